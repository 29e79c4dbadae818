"""Shared helpers for the generator's unit tests: build small worlds once, read files back."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from data import schema
from data.generator import GeneratorConfig, World, build_world, write_world

SMALL = 0.1
SEED = 7


@functools.cache
def world(scale: float = SMALL, seed: int = SEED, **knobs: float) -> World:
    """A generated world, cached per configuration (worlds are not mutated by tests)."""
    return build_world(GeneratorConfig(scale=scale, seed=seed, **knobs))


def write(out: Path, scale: float = SMALL, seed: int = SEED, fmt: str = "csv") -> Path:
    """Generate and write a world into `out`; returns `out`."""
    write_world(build_world(GeneratorConfig(scale=scale, seed=seed, fmt=fmt)), out)
    return out


def read(out: Path, dataset: str) -> pd.DataFrame:
    """A dataset as strings exactly as written (no type guessing)."""
    return pd.read_csv(out / schema.file_name(dataset, "csv"), dtype=str, keep_default_na=False)


def read_truth(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)
