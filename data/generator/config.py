"""The generator's knobs: one typed, validated configuration object.

Unknown typology names, out-of-range shares and impossible scales are rejected here with a
message that names the knob, so the rest of the generator can trust its input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from data.schema import FORMATS, TYPOLOGIES
from ringwatch.errors import RingwatchError

# Row counts at scale 1 (the default volumes of docs/domain.md).
BASE_ROWS: dict[str, int] = {
    "transacoes_pix": 50_000,
    "chaves_pix": 25_000,
    "usuarios": 20_000,
    "dispositivos": 30_000,
    "fraudes": 1_000,
    "limites_transacoes": 20_000,
    "log_autenticacao": 100_000,
}

DEFAULT_START = datetime(2025, 4, 1)
DEFAULT_DAYS = 90
MAX_SCALE = 1_000.0

# World shapes `ringwatch generate --profile` can write, with one line each for --help.
PROFILES: dict[str, str] = {
    "pix-fast": "fast Pix mule rings (minutes to hours), devices, IPs, limits (the default)",
    "slow-layering": "slow laundering groups over days to weeks in day-level daily-batch "
    "data, amounts in the ordinary range, one-off edges; no device signal",
}
DEFAULT_PROFILE = "pix-fast"
# Knobs that shape pix-fast's rings and labels only, with their command-line flags.
PIX_FAST_KNOBS: dict[str, str] = {
    "ring_share": "--ring-share",
    "typology_mix": "--typology-mix",
    "fraud_coverage": "--fraud-coverage",
    "case_share": "--case-share",
    "detection_delay_days": "--detection-delay",
    "label_noise": "--label-noise",
}


def parse_mix(text: str) -> dict[str, float]:
    """Parse ``fan_in=1,cycle=2`` into weights; typologies not named keep weight 1."""
    mix = dict.fromkeys(TYPOLOGIES, 1.0)
    if not text.strip():
        return mix
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in TYPOLOGIES:
            raise RingwatchError(
                f"--typology-mix: cannot read {part.strip()!r}; write name=weight pairs "
                f"separated by commas, names from: {', '.join(TYPOLOGIES)}"
            )
        try:
            mix[name] = float(value)
        except ValueError:
            raise RingwatchError(
                f"--typology-mix: weight of {name} is {value!r}, not a number"
            ) from None
    return mix


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that shapes a generated world; same config and seed give the same bytes."""

    scale: float = 1.0
    seed: int = 42
    fmt: str = "csv"
    start: datetime = DEFAULT_START
    days: int = DEFAULT_DAYS
    # Share of all accounts that are members of a planted ring (before the one-per-typology
    # floor, which dominates at very small scales).
    ring_share: float = 0.004
    typology_mix: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TYPOLOGIES, 1.0))
    # Share of rings for which the bank holds at least one case.
    fraud_coverage: float = 0.6
    # Within a covered ring, share of victim-facing transactions that became a case.
    case_share: float = 0.6
    # Median days between a fraudulent transaction and its detection (log-normal spread).
    detection_delay_days: float = 10.0
    # Share of fraudes.csv records whose verdict contradicts the truth.
    label_noise: float = 0.05
    # Which world to build (a key of PROFILES).
    profile: str = DEFAULT_PROFILE
    # False: dispositivos and log_autenticacao are written with their header only.
    devices: bool = True

    def __post_init__(self) -> None:
        _check(
            self.profile in PROFILES,
            f"--profile: unknown profile {self.profile!r}; valid profiles: {', '.join(PROFILES)}",
        )
        if self.profile != DEFAULT_PROFILE:
            changed = [
                flag
                for name, flag in PIX_FAST_KNOBS.items()
                if getattr(self, name) != getattr(_PIX_FAST_DEFAULTS, name)
            ]
            _check(
                not changed,
                f"{', '.join(changed)}: option(s) of the pix-fast profile only, not of "
                f"--profile {self.profile}",
            )
        _check(
            math.isfinite(self.scale) and 0 < self.scale <= MAX_SCALE,
            f"--scale must be > 0 and <= {MAX_SCALE:g}, got {self.scale}",
        )
        _check(self.seed >= 0, f"--seed must be a non-negative integer, got {self.seed}")
        _check(self.fmt in FORMATS, f"--format must be one of {FORMATS}, got {self.fmt!r}")
        _check(7 <= self.days <= 366, f"--days (the window length) must be 7..366, got {self.days}")
        _check(
            0 <= self.ring_share <= 0.2,
            f"--ring-share must be within 0..0.2, got {self.ring_share}",
        )
        unknown = set(self.typology_mix) - set(TYPOLOGIES)
        _check(not unknown, f"--typology-mix: unknown typologies {sorted(unknown)}")
        weights = list(self.typology_mix.values())
        _check(
            all(math.isfinite(w) and w >= 0 for w in weights) and sum(weights) > 0,
            "--typology-mix: weights must be >= 0 and at least one must be > 0",
        )
        for name in ("fraud_coverage", "case_share"):
            value = getattr(self, name)
            flag = "--" + name.replace("_", "-")
            _check(0 <= value <= 1, f"{flag} must be within 0..1, got {value}")
        _check(
            0 <= self.label_noise <= 0.5,
            f"--label-noise must be within 0..0.5, got {self.label_noise}",
        )
        _check(
            0.5 <= self.detection_delay_days <= 60,
            f"--detection-delay must be within 0.5..60 days, got {self.detection_delay_days}",
        )

    @property
    def end(self) -> datetime:
        """First instant after the window (exclusive end), also the extraction date."""
        return self.start + timedelta(days=self.days)

    def rows(self, dataset: str) -> int:
        """Target row count of a dataset at this scale (at least a handful)."""
        return max(5, round(BASE_ROWS[dataset] * self.scale * self.days / DEFAULT_DAYS))

    @property
    def n_users(self) -> int:
        """Number of accounts (one per CPF/CNPJ holder)."""
        return max(200, round(BASE_ROWS["usuarios"] * self.scale))

    def active_typologies(self) -> list[str]:
        """Typologies with a positive weight, in canonical order."""
        return [t for t in TYPOLOGIES if self.typology_mix.get(t, 0) > 0]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise RingwatchError(message)


_PIX_FAST_DEFAULTS = GeneratorConfig()
