"""The generator's knobs: validation, typology mix parsing and ring counts."""

from __future__ import annotations

import pytest

from data.generator.config import GeneratorConfig, parse_mix
from data.generator.rings.plan import ring_counts
from data.schema import TYPOLOGIES
from ringwatch.errors import RingwatchError


@pytest.mark.parametrize(
    ("knobs", "named"),
    [
        ({"scale": 0}, "--scale"),
        ({"scale": float("nan")}, "--scale"),
        ({"ring_share": 0.5}, "--ring-share"),
        ({"fraud_coverage": 1.5}, "--fraud-coverage"),
        ({"case_share": -0.1}, "--case-share"),
        ({"label_noise": 0.9}, "--label-noise"),
        ({"detection_delay_days": 0}, "--detection-delay"),
        ({"fmt": "xlsx"}, "--format"),
        ({"typology_mix": {"fan_in": 1.0, "smurfing": 1.0}}, "--typology-mix"),
        ({"typology_mix": dict.fromkeys(TYPOLOGIES, 0.0)}, "--typology-mix"),
    ],
)
def test_bad_knobs_are_rejected_with_the_option_named(knobs: dict, named: str) -> None:
    """An out-of-range or unknown knob raises RingwatchError whose message names the option."""
    with pytest.raises(RingwatchError, match=named):
        GeneratorConfig(**knobs)


def test_typology_mix_is_parsed_and_defaults_to_one() -> None:
    """Named weights are read, unnamed typologies keep weight 1, bad pairs are rejected."""
    mix = parse_mix("fan_in=2, cycle=0")
    assert mix["fan_in"] == 2.0 and mix["cycle"] == 0.0 and mix["mule_farm"] == 1.0
    assert parse_mix("") == dict.fromkeys(TYPOLOGIES, 1.0)
    for bad in ("fan_in", "smurfing=1", "fan_in=lots"):
        with pytest.raises(RingwatchError, match="--typology-mix"):
            parse_mix(bad)


def test_ring_counts_follow_the_mix_with_one_ring_per_typology_at_least() -> None:
    """Every typology with weight gets a ring, zero weight removes it, counts grow with scale."""
    small = ring_counts(GeneratorConfig(scale=0.05), 1_000)
    assert set(small) == set(TYPOLOGIES) and min(small.values()) >= 1
    mix = parse_mix("cycle=0,fan_in=3")
    big = ring_counts(GeneratorConfig(scale=50, typology_mix=mix), 1_000_000)
    assert "cycle" not in big
    assert big["fan_in"] > 2 * big["fan_out"]
    assert sum(big.values()) > 10 * sum(small.values())
    assert sum(ring_counts(GeneratorConfig(ring_share=0), 20_000).values()) == 0
