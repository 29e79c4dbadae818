"""Brazilian identity numbers and Pix key formats: CPF, CNPJ, phone numbers and EVP keys.

Numbers are generated as int64 (vectorised check digits) and turned into zero-padded strings
only by the writer. The validators here are the reference the tests check files against.
"""

from __future__ import annotations

import numpy as np

from data.generator.arrays import unique_sorted

CPF_W1 = np.arange(10, 1, -1)  # 10..2 over the 9 base digits
CPF_W2 = np.arange(11, 1, -1)  # 11..2 over 9 digits + first check digit
CNPJ_W1 = np.array([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
CNPJ_W2 = np.array([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])

# Area codes (DDD) with a rough share of mobile lines; a holder's DDD follows their city.
DDD = np.array(
    [11, 21, 31, 41, 51, 61, 71, 81, 85, 91, 62, 27, 48, 19, 13, 12, 15, 16, 17, 18, 24, 22]
    + [32, 34, 35, 37, 43, 44, 47, 53, 54, 55, 63, 65, 67, 68, 69, 73, 75, 77, 79, 82, 83]
    + [84, 86, 92, 95, 96, 98]
)
DDD_WEIGHT = np.array(
    [12, 7, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 1]
    + [1.5, 1.5, 1, 1, 1.5, 1, 1.5, 1, 1, 1, 0.6, 1, 1, 0.3, 0.6, 1, 1.2, 0.8, 1, 1.2, 1.5]
    + [1, 1.2, 1.5, 0.2, 0.3, 1.5]
)


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Split non-negative ints into a (n, width) array of decimal digits, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (numbers[:, None] // powers[None, :]) % 10


def _check_digit(digits: np.ndarray, weights: np.ndarray) -> np.ndarray:
    rest = (digits * weights).sum(axis=1) % 11
    return np.where(rest < 2, 0, 11 - rest)


def cpf_from_base(base: np.ndarray) -> np.ndarray:
    """Append the two CPF check digits to 9-digit bases; returns 11-digit int64 CPFs."""
    d = _digits(base.astype(np.int64), 9)
    c1 = _check_digit(d, CPF_W1)
    c2 = _check_digit(np.column_stack([d, c1]), CPF_W2)
    return base.astype(np.int64) * 100 + c1 * 10 + c2


def cnpj_from_base(base: np.ndarray, branch: np.ndarray | int = 1) -> np.ndarray:
    """Build 14-digit CNPJs from 8-digit roots and a branch number (0001 = head office)."""
    head = base.astype(np.int64) * 10_000 + branch
    d = _digits(head, 12)
    c1 = _check_digit(d, CNPJ_W1)
    c2 = _check_digit(np.column_stack([d, c1]), CNPJ_W2)
    return head * 100 + c1 * 10 + c2


def unique_ints(rng: np.random.Generator, high: int, n: int, exclude: np.ndarray) -> np.ndarray:
    """n distinct ints in [0, high) avoiding `exclude`, in random order."""
    pool = np.empty(0, dtype=np.int64)
    while pool.size < n:
        draw = rng.integers(0, high, size=int(n * 1.05) + 16)
        pool = unique_sorted(np.concatenate([pool, draw]))
        pool = pool[~np.isin(pool, exclude)]
    return rng.permutation(pool)[:n]


def new_cpfs(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid CPFs (never the all-same-digit numbers the Receita rejects)."""
    repeated = np.arange(10, dtype=np.int64) * 111_111_111
    return cpf_from_base(unique_ints(rng, 1_000_000_000, n, repeated))


def new_cnpjs(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid head-office CNPJs."""
    repeated = np.arange(10, dtype=np.int64) * 11_111_111
    return cnpj_from_base(unique_ints(rng, 100_000_000, n, repeated))


def new_phones(rng: np.random.Generator, ddd: np.ndarray) -> np.ndarray:
    """Distinct mobile numbers as int64 55DD9XXXXXXXX for the given area codes."""
    local = unique_ints(rng, 100_000_000, len(ddd), np.empty(0, dtype=np.int64))
    return 55 * 10**11 + ddd.astype(np.int64) * 10**9 + 9 * 10**8 + local


def uuid4_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUIDs as a (n, 16) uint8 array."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    return b


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_LAYOUT = [(0, 4), (4, 6), (6, 8), (8, 10), (10, 16)]


def uuid_strings(b: np.ndarray) -> np.ndarray:
    """Format (n, 16) uint8 UUIDs as canonical lowercase strings (numpy 'S36')."""
    chars = np.empty((b.shape[0], 36), dtype=np.uint8)
    chars[:, [8, 13, 18, 23]] = ord("-")
    col = 0
    for lo, hi in _UUID_LAYOUT:
        part = b[:, lo:hi]
        width = 2 * (hi - lo)
        chars[:, col : col + width : 2] = _HEX[part >> 4]
        chars[:, col + 1 : col + width : 2] = _HEX[part & 0x0F]
        col += width + 1
    return chars.view("S36").ravel()
