"""The test tree itself: pytest collects tests/unit and tests/integration without packages,
so two test files with the same name would stop the whole run at collection."""

from __future__ import annotations

from collections import Counter

from ringwatch.settings import PROJECT_ROOT


def test_no_two_test_files_share_a_name():
    """Every tests/**/test_*.py has a unique file name."""
    names = Counter(p.name for p in (PROJECT_ROOT / "tests").rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []
