"""Same seed and options give byte-identical files; the committed fixtures are current."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from _generator_support import write

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures"
FIXTURE_COMMAND = (
    ".venv/bin/ringwatch generate --out data/fixtures --scale 0.05 --seed 1 --format csv"
)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_identical_bytes(tmp_path: Path, fmt: str) -> None:
    """Two runs with the same seed, scale and format write byte-identical files."""
    first = digests(write(tmp_path / "a", scale=0.05, seed=11, fmt=fmt))
    second = digests(write(tmp_path / "b", scale=0.05, seed=11, fmt=fmt))
    assert first == second and len(first) == 9


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    """A different seed changes the data."""
    first = digests(write(tmp_path / "a", scale=0.05, seed=11))
    second = digests(write(tmp_path / "b", scale=0.05, seed=12))
    assert first["transacoes_pix.csv"] != second["transacoes_pix.csv"]


def test_committed_fixtures_match_the_generator(tmp_path: Path) -> None:
    """data/fixtures is exactly what the fixture command produces today."""
    assert FIXTURES.is_dir(), f"missing fixtures; run: {FIXTURE_COMMAND}"
    fresh = digests(write(tmp_path / "fx", scale=0.05, seed=1))
    committed = {k: v for k, v in digests(FIXTURES).items() if k in fresh}
    assert committed == fresh, f"fixtures are stale; run: {FIXTURE_COMMAND}"
