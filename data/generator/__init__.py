"""Synthetic Pix world with planted mule rings, innocent look-alikes and ground truth.

`build_world(config)` makes the world in memory; `write_world(world, out)` writes the seven
datasets and the two ground-truth files. See docs/data.md for what is generated and why.
"""

from data.generator.config import GeneratorConfig, parse_mix
from data.generator.world import World, build_world
from data.generator.writer import write_world

__all__ = ["GeneratorConfig", "World", "build_world", "parse_mix", "write_world"]
