"""`ringwatch generate --profile` and `--no-devices`: the slow-layering world and header-only
device files, checked on small worlds and on the files as written."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from data import schema
from data.cli import generate
from data.generator import GeneratorConfig, write_world
from data.generator.profiles import casework, laundering, slow_layering
from data.generator.world import World
from ingest.validate import validate
from ringwatch.errors import RingwatchError

app = typer.Typer()
app.command()(generate)
runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures"
SLOW = ["--profile", "slow-layering"]


@functools.cache
def planned(scale: float = 0.1, seed: int = 7) -> tuple[World, slow_layering.Plan]:
    return slow_layering.build_with_plan(
        GeneratorConfig(scale=scale, seed=seed, profile="slow-layering")
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scale-0.1, seed-7 slow-layering world as files."""
    out = tmp_path_factory.mktemp("slow")
    write_world(planned()[0], out)
    return out


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def cli(out: Path, *args: str) -> dict[str, str]:
    result = runner.invoke(app, ["--out", str(out), "--scale", "0.05", *args])
    assert result.exit_code == 0, result.output
    return digests(out)


def holders_of_transfers(out: Path) -> pd.DataFrame:
    """transacoes with the payer's and payee's id_usuario (every account has one EVP key)."""
    users = read(out, "usuarios.csv").set_index("cpf_cnpj")["id_usuario"]
    keys = read(out, "chaves_pix.csv")
    owner = pd.Series(users.loc[keys["cpf_cnpj"]].to_numpy(), index=keys["chave_pix"])
    tx = read(out, "transacoes_pix.csv")
    tx["src"] = owner.loc[tx["chave_pix_origem"]].to_numpy()
    tx["dst"] = owner.loc[tx["chave_pix_destino"]].to_numpy()
    return tx


def test_same_seed_gives_identical_bytes_and_another_seed_another_world(tmp_path: Path) -> None:
    """slow-layering is deterministic: same seed and scale, same bytes; another seed differs."""
    first = cli(tmp_path / "a", *SLOW, "--seed", "11")
    second = cli(tmp_path / "b", *SLOW, "--seed", "11")
    other = cli(tmp_path / "c", *SLOW, "--seed", "12")
    assert first == second and len(first) == 9
    assert first["transacoes_pix.csv"] != other["transacoes_pix.csv"]


def test_default_profile_still_writes_the_committed_pix_fast_fixtures(tmp_path: Path) -> None:
    """Without --profile the command writes exactly the committed pix-fast fixtures."""
    fresh = cli(tmp_path, "--seed", "1")
    assert fresh == {k: v for k, v in digests(FIXTURES).items() if k in fresh}


def test_every_file_passes_the_loaders_validation(written: Path) -> None:
    """The seven slow-layering files have the documented columns and no row is rejected."""
    for dataset in schema.DATASETS:
        frame = read(written, schema.file_name(dataset, "csv"))
        assert tuple(frame.columns[: len(schema.COLUMNS[dataset])]) == schema.columns(dataset)
        checked = validate(dataset, frame)
        assert checked.rejected.empty, checked.rejected.head()
    keys = read(written, "chaves_pix.csv")
    assert (keys["tipo_chave"] == "EVP").all() and keys["cpf_cnpj"].is_unique


def test_truth_lists_disjoint_groups_of_existing_accounts(written: Path) -> None:
    """Ground truth: 4-11 members per group, typologies from the profile's list, every member
    in usuarios, no account in two groups or in a look-alike group."""
    truth = read(written, schema.GROUND_TRUTH_RINGS)
    looks = read(written, schema.GROUND_TRUTH_LOOKALIKES)
    users = set(read(written, "usuarios.csv")["id_usuario"])
    sizes = truth.groupby("ring_id").size()
    assert sizes.between(4, 11).all() and len(sizes) == laundering.n_groups(0.1)
    assert set(truth["tipologia"]) == set(laundering.TYPOLOGIES)
    assert truth["id_usuario"].is_unique and set(truth["id_usuario"]) <= users
    assert not set(truth["id_usuario"]) & set(looks["id_usuario"])
    assert set(looks["tipo"]) == {"folha_pagamento", "pequeno_negocio", "familia", "comerciante"}


def test_transactions_are_day_level_inside_the_window(written: Path) -> None:
    """Every transaction time is a midnight (a daily batch export) inside the 90-day window."""
    ts = read(written, "transacoes_pix.csv")["timestamp"]
    assert ts.str.endswith("T00:00:00").all()
    assert ts.min() >= "2025-04-01" and ts.max() < "2025-06-30"


def test_each_hop_follows_the_money_it_passes_on(written: Path) -> None:
    """A laundering transfer that passes money on is dated no earlier than the transfer that
    brought it, and comes after it in id order; groups have 4-12 transfers."""
    world, plan = planned()
    g = plan.groups
    ts = read(written, "transacoes_pix.csv")["timestamp"].to_numpy()
    hop = np.flatnonzero(g.prev >= 0)
    before, after = plan.row[g.prev[hop]], plan.row[hop]
    assert hop.size > 0 and (ts[after] >= ts[before]).all() and (after > before).all()
    assert np.array_equal(world.txs.src[plan.row], g.src)
    per_group = np.bincount(g.tx_group)
    assert per_group.min() >= 4 and per_group.max() <= 12


def test_laundering_transfers_are_one_off_pairs(written: Path) -> None:
    """Two members of one group transact exactly once (no other payment between them either
    way), and those transfers are exactly the planned ones; innocents have one-offs too."""
    tx = holders_of_transfers(written)
    ring = read(written, schema.GROUND_TRUTH_RINGS).set_index("id_usuario")["ring_id"]
    tx["pair"] = np.where(tx.src < tx.dst, tx.src + tx.dst, tx.dst + tx.src)
    count = tx["pair"].map(tx["pair"].value_counts())
    inside = tx.src.map(ring).eq(tx.dst.map(ring)) & tx.src.isin(ring.index)
    assert inside.sum() == planned()[1].groups.src.size
    assert (count[inside] == 1).all()
    innocent_pairs = tx.loc[~inside].drop_duplicates("pair")
    assert (count[innocent_pairs.index] == 1).mean() > 0.2


def test_about_a_third_of_groups_have_one_confirmed_case(written: Path) -> None:
    """30% of the groups have exactly one confirmada case, on one of their own transfers,
    detected after it and inside the window; other cases are on innocent payments."""
    tx = holders_of_transfers(written).set_index("id_transacao")
    ring = read(written, schema.GROUND_TRUTH_RINGS).set_index("id_usuario")["ring_id"]
    cases = read(written, "fraudes.csv")
    assert set(cases["tipo_fraude"]) <= set(schema.TIPO_FRAUDE)
    paid = tx.loc[cases["id_transacao"]]
    own = (paid.src.map(ring) == paid.dst.map(ring)).to_numpy()
    confirmed = (cases["status"] == "confirmada").to_numpy()
    assert (own == confirmed).all()
    groups = paid.src.map(ring)[confirmed]
    n_groups = laundering.n_groups(0.1)
    assert groups.is_unique and len(groups) == round(casework.COVERAGE * n_groups)
    assert (cases["data_deteccao"].to_numpy() > paid["timestamp"].to_numpy()).all()
    assert (cases["data_deteccao"] < "2025-06-30").all()


def test_spans_range_from_days_to_weeks() -> None:
    """At scale 1 group spans run from 1-3 days to about six weeks, median about 3 weeks."""
    g = planned(1.0, 7)[1].groups
    first = np.full(g.tx_group.max() + 1, 10**9)
    last = np.zeros_like(first)
    np.minimum.at(first, g.tx_group, g.day)
    np.maximum.at(last, g.tx_group, g.day)
    span = last - first
    assert 14 <= np.median(span) <= 28 and span.max() <= 42 and (span <= 3).sum() >= 2


@pytest.mark.parametrize("profile", ["pix-fast", "slow-layering"])
def test_no_devices_writes_header_only_device_and_login_files(tmp_path: Path, profile: str) -> None:
    """--no-devices leaves dispositivos and log_autenticacao with their header only and every
    other file byte-identical to a run with devices."""
    full = cli(tmp_path / "full", "--profile", profile)
    bare = cli(tmp_path / "bare", "--profile", profile, "--no-devices")
    changed = {name for name in full if full[name] != bare[name]}
    assert changed == {"dispositivos.csv", "log_autenticacao.csv"}
    for dataset in (schema.DISPOSITIVOS, schema.LOGS):
        text = (tmp_path / "bare" / schema.file_name(dataset, "csv")).read_text()
        columns = (*schema.columns(dataset), *schema.EXTRA_COLUMNS.get(dataset, {}))
        assert text == ",".join(columns) + "\n"
        assert validate(dataset, read(tmp_path / "bare", f"{dataset}.csv")).valid.empty


def test_help_explains_profiles_and_no_devices() -> None:
    """--help names every profile and documents --no-devices."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    text = re.sub(r"[\s│]+", " ", result.output)  # undo the help box's wrapping
    for words in ("--profile", "'pix-fast':", "'slow-layering':", "--no-devices", "header only"):
        assert words in text


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--profile", "slow"], "pix-fast, slow-layering"),
        ([*SLOW, "--typology-mix", "cycle=2"], "--typology-mix"),
        ([*SLOW, "--ring-share", "0.01"], "--ring-share"),
    ],
)
def test_unknown_profile_or_pix_fast_option_is_refused(
    tmp_path: Path, args: list[str], named: str
) -> None:
    """An unknown profile names the valid ones; a pix-fast-only option with slow-layering
    names the option; nothing is written."""
    result = runner.invoke(app, ["--out", str(tmp_path / "x"), *args])
    assert isinstance(result.exception, RingwatchError)
    assert named in str(result.exception)
    assert not (tmp_path / "x").exists()
