"""World profiles of `ringwatch generate --profile`: each name maps to a builder and the
names of its stages (for progress). Descriptions live in `config.PROFILES`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from data.generator import world
from data.generator.config import PROFILES, GeneratorConfig
from data.generator.profiles import slow_layering
from data.generator.world import World
from ringwatch.errors import RingwatchError


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    build: Callable[[GeneratorConfig, Callable[[str], None]], World]
    stages: tuple[str, ...]


def get(name: str) -> Profile:
    """The profile called `name`; a RingwatchError names the valid ones otherwise."""
    known = {
        "pix-fast": (world.build_world, tuple(world.STAGES)),
        "slow-layering": (slow_layering.build_world, slow_layering.STAGES),
    }
    if name not in known:
        raise RingwatchError(
            f"--profile: unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}"
        )
    build, stages = known[name]
    return Profile(name, PROFILES[name], build, stages)


def build(cfg: GeneratorConfig, progress: Callable[[str], None] = lambda _: None) -> World:
    """Build the world of `cfg.profile`."""
    return get(cfg.profile).build(cfg, progress)
