"""Detection thresholds are documented parameters."""

from __future__ import annotations

from dataclasses import fields

import pytest

from detectors.config import DetectionConfig
from ringwatch.errors import RingwatchError
from ringwatch.settings import PROJECT_ROOT


def test_every_threshold_is_documented():
    """Each DetectionConfig field is named in docs/detection.md."""
    doc = (PROJECT_ROOT / "docs" / "detection.md").read_text()
    missing = [f.name for f in fields(DetectionConfig) if f"`{f.name}`" not in doc]
    assert not missing


def test_impossible_values_are_refused():
    """Negative thresholds, inverted ratios and a zero Jaccard are errors."""
    for bad in ({"min_score": -1}, {"relay_min_ratio": 2.0}, {"id_jaccard": 0.0}):
        with pytest.raises(RingwatchError):
            DetectionConfig(**bad)


def test_caps_are_looked_up_by_identifier_kind():
    """cap('device') is device_cap; an unknown kind falls back to the IP cap."""
    cfg = DetectionConfig(device_cap=7, ip_cap=3)
    assert (cfg.cap("device"), cfg.cap("ip"), cfg.cap("other")) == (7, 3, 3)
