"""`ringwatch load --offline --compress-import-files --max-off-heap SIZE`: the sizes
neo4j-admin takes are passed on in its spelling, the ones it would refuse after the
validation are refused before anything is read, and both options reach offline_load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import ingest.offline
from ingest.cli import off_heap_size
from ingest.offline import OfflineReport
from ringwatch.cli import app
from ringwatch.errors import RingwatchError


@pytest.mark.parametrize(
    ("given", "passed"),
    [
        ("4G", "4G"),
        ("4g", "4G"),
        ("512m", "512M"),
        ("64k", "64K"),
        ("4GB", "4G"),
        ("4GiB", "4G"),
        (" 4 G ", "4G"),
        ("4000000000", "4000000000"),
        ("70%", "70%"),
        ("70 %", "70%"),
        ("99%", "99%"),
    ],
)
def test_sizes_neo4j_admin_takes_are_passed_in_its_spelling(given, passed):
    assert off_heap_size(given) == passed


@pytest.mark.parametrize("given", ["4T", "4.5G", "0", "0G", "-1G", "0%", "100%", "four", "", "G"])
def test_sizes_neo4j_admin_refuses_are_refused_with_the_forms_that_work(given):
    with pytest.raises(typer.BadParameter, match=r"512M, 4G.*70%.*--max-off-heap 4G"):
        off_heap_size(given)


def test_no_size_leaves_the_importer_its_default():
    assert off_heap_size(None) is None


class RecordingOfflineLoad:
    """Stands in for ingest.offline.offline_load: keeps the keyword arguments, imports nothing."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, settings: object, directory: Path, **kwargs: Any) -> OfflineReport:
        self.calls.append({"directory": directory, **kwargs})
        return OfflineReport()  # imported=False: nothing more to print


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> RecordingOfflineLoad:
    fake = RecordingOfflineLoad()
    monkeypatch.setattr(ingest.offline, "offline_load", fake)
    return fake


def test_both_options_reach_offline_load(tmp_path, recorder):
    words = ["load", str(tmp_path), "--offline", "--compress-import-files"]
    result = CliRunner().invoke(app, [*words, "--max-off-heap", "4g"])
    assert result.exit_code == 0, result.output
    assert len(recorder.calls) == 1
    call = recorder.calls[0]
    assert (call["directory"], call["compress"], call["max_off_heap"]) == (tmp_path, True, "4G")


def test_without_the_options_offline_load_gets_plain_files_and_no_cap(tmp_path, recorder):
    result = CliRunner().invoke(app, ["load", str(tmp_path), "--offline"])
    assert result.exit_code == 0, result.output
    assert (recorder.calls[0]["compress"], recorder.calls[0]["max_off_heap"]) == (False, None)


def test_a_bad_size_stops_the_command_before_the_load(tmp_path, recorder):
    words = ["load", str(tmp_path), "--offline", "--max-off-heap", "4GBytes"]
    result = CliRunner().invoke(app, words, terminal_width=200)
    assert result.exit_code == 2
    assert "--max-off-heap" in result.output and "4GBytes" in result.output
    assert recorder.calls == []


@pytest.mark.parametrize(
    "extra", [{"compress_import_files": True}, {"max_off_heap": "4G"}], ids=["compress", "cap"]
)
def test_importer_options_without_offline_are_refused(tmp_path, extra):
    from ingest.cli import load

    with pytest.raises(RingwatchError, match="only apply to --offline"):
        load(directory=tmp_path, offline=False, replace=False, mapping=None, **extra)


def test_advice_for_an_unmanaged_server_keeps_the_off_heap_cap(tmp_path: Path) -> None:
    """Against a server ringwatch does not manage, the neo4j-admin command it prints carries
    the --max-off-heap cap the user gave, so running it by hand imports the same way."""
    from ingest.offline_files import ImportFiles
    from ringwatch.settings import load_settings

    settings = load_settings({"NEO4J_URI": "bolt://graph.bank:7687", "NEO4J_PASSWORD": "x"})
    files = ImportFiles(tmp_path, [], [], False)
    capped = ingest.offline._unmanaged_advice(settings, files, "4G")
    assert "--max-off-heap-memory=4G" in capped and "bolt://graph.bank:7687" in capped
    assert "--max-off-heap-memory" not in ingest.offline._unmanaged_advice(settings, files)
