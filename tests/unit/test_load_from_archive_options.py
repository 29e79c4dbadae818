"""`ringwatch load --from-archive`: the option combinations that make no sense are refused
with one line before anything connects (a folder and an archive, --until without an archive,
--offline with an archive, neither), and a bad --until names the expected format."""

from __future__ import annotations

import pytest

from ingest.cli import load
from ringwatch.errors import RingwatchError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Give a folder to load, or --from-archive"),
        ({"directory": "DIR", "from_archive": "ARCH"}, "not both"),
        ({"directory": "DIR", "until": "2025-03-01"}, "--until only applies to --from-archive"),
        ({"from_archive": "ARCH", "offline": True}, "cannot read --from-archive"),
        ({"from_archive": "ARCH", "until": "yesterday"}, "not an ISO-8601 date or time"),
    ],
)
def test_meaningless_combinations_are_refused(tmp_path, kwargs, message):
    paths = {
        k: tmp_path / v if k in ("directory", "from_archive") else v for k, v in kwargs.items()
    }
    with pytest.raises(RingwatchError, match=message):
        load(**{"offline": False, "replace": False, "mapping": None, **paths})
