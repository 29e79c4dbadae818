"""`ringwatch generate` as a command, and the typology pictures script."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from data import pictures, schema
from data.cli import generate
from ringwatch.errors import RingwatchError

app = typer.Typer()
app.command()(generate)
runner = CliRunner()


def test_generate_writes_files_and_prints_a_summary(tmp_path: Path) -> None:
    """The command writes the nine files and ends with one summary line of row counts."""
    result = runner.invoke(
        app,
        ["--out", str(tmp_path), "--scale", "0.05", "--seed", "3", "--typology-mix", "cycle=2"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "transacoes_pix.csv").is_file()
    assert (tmp_path / schema.GROUND_TRUTH_RINGS).is_file()
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(f"wrote 9 files to {tmp_path}") and "transacoes_pix.csv" in last


def test_days_lengthen_the_history_not_the_rings(tmp_path: Path) -> None:
    """--days 200 spreads the same rings over a history more than twice as long as the
    default 90 days, with about twice the transactions."""
    import pandas as pd

    runs = {}
    for days in (90, 200):
        out = tmp_path / str(days)
        result = runner.invoke(app, ["--out", str(out), "--scale", "0.05", "--days", str(days)])
        assert result.exit_code == 0, result.output
        ts = pd.to_datetime(pd.read_csv(out / "transacoes_pix.csv")["timestamp"])
        rings = pd.read_csv(out / schema.GROUND_TRUTH_RINGS)["ring_id"].nunique()
        runs[days] = ((ts.max() - ts.min()).days, len(ts), rings)
    assert runs[90][0] <= 90 < 150 < runs[200][0] <= 200
    assert runs[200][1] > 2 * runs[90][1]
    assert runs[200][2] == runs[90][2]


def test_generate_writes_parquet_on_request(tmp_path: Path) -> None:
    """--format parquet writes the seven datasets as Parquet and the ground truth as CSV."""
    result = runner.invoke(app, ["--out", str(tmp_path), "--scale", "0.05", "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.parquet"))) == 7
    assert len(list(tmp_path.glob("ground_truth_*.csv"))) == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--typology-mix", "smurfing=1"], "--typology-mix"),
        (["--format", "xlsx"], "--format"),
        (["--label-noise", "0.9"], "--label-noise"),
        (["--scale", "-1"], "--scale"),
        (["--days", "400"], "--days"),
    ],
)
def test_bad_options_fail_with_a_clear_message(tmp_path: Path, args: list[str], named: str) -> None:
    """A bad option stops the command with a RingwatchError naming that option."""
    result = runner.invoke(app, ["--out", str(tmp_path / "x"), *args])
    assert isinstance(result.exception, RingwatchError)
    assert named in str(result.exception)
    assert not (tmp_path / "x").exists()


def test_out_must_not_be_a_file(tmp_path: Path) -> None:
    """Pointing --out at an existing file is refused before any work."""
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = runner.invoke(app, ["--out", str(target), "--scale", "0.05"])
    assert isinstance(result.exception, RingwatchError) and "--out" in str(result.exception)


def test_help_explains_every_option() -> None:
    """--help lists each option with its explanation and default."""
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--out",
        "--scale",
        "--seed",
        "--days",
        "--format",
        "--ring-share",
        "--typology-mix",
        "--fraud-coverage",
        "--case-share",
        "--label-noise",
        "--detection-delay",
    ):
        assert option in result.output


def test_pictures_draw_each_typology(tmp_path: Path) -> None:
    """The pictures script writes one PNG per typology from the typology functions."""
    pictures.main(["--out", str(tmp_path)])
    for typology in schema.TYPOLOGIES:
        png = tmp_path / f"typology_{typology}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
