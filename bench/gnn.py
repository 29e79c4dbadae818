"""GNN benchmark: the graph models (GraphSAGE, the hybrid and their ensemble) against
LightGBM and a features-only MLP on generated worlds, profile x devices x scale x seed.

For each world: generate it into ``--data-dir`` unless the folder exists, then either

- ``--source csv`` (default): build the raw frames ``features.export_all`` would return
  straight from the CSV files (PageRank and degree computed as GDS does; communities from
  networkx's Louvain instead of GDS's), cached in ``<folder>/.gnn-csv-dataset``, or
- ``--source neo4j`` (the real path): reset the graph, ``ringwatch load``, bulk export + GDS.

Either way the same feature, split, training and evaluation code runs (model seed = data
seed), and the ground-truth file is read only by the evaluation step. Prints one row per
world as it finishes, then the mean AUC-PR per profile/devices/scale with the relative gain
of each graph model over LightGBM. Results are appended to ``<data-dir>/results.jsonl``.

    .venv/bin/python bench/gnn.py --scales 5 20 --seeds 11 21 31
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gnn import dataset as D  # noqa: E402
from gnn import features as F  # noqa: E402
from gnn.pipeline import TrainOptions, run_training, train_and_evaluate  # noqa: E402

RINGWATCH = [str(ROOT / ".venv" / "bin" / "ringwatch")]


def epoch(col: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(col, format="ISO8601")
    return (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")


def accounts_from_csv(
    read: Callable[[str], pd.DataFrame],
) -> tuple[pd.DataFrame, pd.Series]:
    """The accounts frame ``features.export_all`` would return, and each Pix key's account,
    from the users, keys and limits files (``read(name)`` gives one file as strings)."""
    users, keys, limits = read("usuarios"), read("chaves_pix"), read("limites_transacoes")
    account_of = users.drop_duplicates("cpf_cnpj").set_index("cpf_cnpj")["id_usuario"]
    key_account = keys.set_index("chave_pix")["cpf_cnpj"].map(account_of)
    latest = limits.sort_values("data_atualizacao").drop_duplicates("id_usuario", keep="last")
    n_keys = keys.groupby("cpf_cnpj").size()
    shared = pd.Series(0, index=users["id_usuario"])
    for col in ("telefone", "email"):
        has = users[users[col] != ""]
        size = has.groupby(col)["id_usuario"].transform("size") - 1
        shared = shared.add(pd.Series(size.to_numpy(), index=has["id_usuario"]), fill_value=0)
    accounts = pd.DataFrame(
        {
            "id_usuario": users["id_usuario"],
            "holder": users["cpf_cnpj"],
            "opened": epoch(users["data_cadastro"]),
            "daily_limit": users["id_usuario"]
            .map(latest.set_index("id_usuario")["limite_diario"])
            .astype(float),
            "is_company": users["cpf_cnpj"].str.len() == 14,
            "n_keys": users["cpf_cnpj"].map(n_keys).fillna(0),
            "shared_contacts": users["id_usuario"].map(shared).fillna(0),
        }
    )
    return accounts, key_account


def raw_from_csv(folder: Path) -> tuple[F.RawGraph, pd.DataFrame]:
    """The frames ``features.export_all`` and ``dataset.export_labels`` would return after
    loading ``folder`` into Neo4j, computed from its CSV files (never the ground truth)."""
    read = lambda name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    accounts, key_account = accounts_from_csv(read)
    tx = read("transacoes_pix")
    transfers = pd.DataFrame(
        {
            "id_transacao": tx["id_transacao"],
            "src": tx["chave_pix_origem"].map(key_account),
            "dst": tx["chave_pix_destino"].map(key_account),
            "valor": tx["valor"].astype(float),
            "ts": epoch(tx["timestamp"]),
            "status": tx["status"],
        }
    ).dropna(subset=["src", "dst"])
    devices, logs = read("dispositivos"), read("log_autenticacao")
    reg = pd.DataFrame(
        {
            "id_usuario": devices["id_usuario"],
            "device": devices["id_dispositivo"],
            "first_seen": epoch(devices["data_registro"]),
            "registered": 1,
            "logins": 0,
            "failed": 0,
        }
    )
    logs = logs.assign(ts=epoch(logs["timestamp"]), fail=(logs["status"] == "falha").astype(int))
    used = (
        logs.groupby(["id_usuario", "id_dispositivo"])
        .agg(first_seen=("ts", "min"), logins=("ts", "size"), failed=("fail", "sum"))
        .reset_index()
        .rename(columns={"id_dispositivo": "device"})
        .assign(registered=0)
    )
    links = (
        pd.concat([reg, used])
        .groupby(["id_usuario", "device"])
        .agg(
            first_seen=("first_seen", "min"),
            registered=("registered", "max"),
            logins=("logins", "sum"),
            failed=("failed", "sum"),
        )
        .reset_index()[F.LINK_COLUMNS]
    )
    raw = F.RawGraph(
        accounts=accounts,
        transfers=transfers,
        links=links,
        device_holders=F.holders_per_device(links, accounts[["id_usuario", "holder"]]),
        gds=graph_features(transfers, list(accounts["id_usuario"])),
        reference_time=int(transfers["ts"].max()),
    )
    fr = read("fraudes")
    tx_dst = tx.set_index("id_transacao")["chave_pix_destino"].map(key_account)
    labels = pd.DataFrame(
        {
            "id_usuario": fr["id_transacao"].map(tx_dst),
            "source": "fraud",
            "status": fr["status"],
            "known_at": epoch(fr["data_deteccao"]).astype(float),
        }
    ).dropna(subset=["id_usuario"])
    return raw, labels.reset_index(drop=True)


def graph_features(transfers: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """GDS-equivalent degree and PageRank (20 iterations, damping 0.85, no normalisation)
    of the aggregated PIX graph; Louvain community sizes from networkx."""
    import networkx as nx
    import scipy.sparse as sp

    pos = pd.Series(np.arange(len(ids)), index=ids)
    pairs = transfers[["src", "dst"]].drop_duplicates()
    s, d = pos[pairs["src"]].to_numpy(), pos[pairs["dst"]].to_numpy()
    n = len(ids)
    out_deg = np.bincount(s, minlength=n).astype(float)
    m = sp.csr_matrix((1.0 / out_deg[s], (d, s)), shape=(n, n))
    pr = np.full(n, 0.15)
    for _ in range(20):
        new = 0.15 + 0.85 * (m @ pr)
        done = np.abs(new - pr).max() < 1e-7
        pr = new
        if done:
            break
    und = pd.DataFrame({"a": np.r_[s, d], "b": np.r_[d, s]})
    und = und[und["a"] != und["b"]].drop_duplicates()
    degree = np.bincount(und["a"], minlength=n)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(s.tolist(), d.tolist(), strict=True))
    community = np.empty(n, dtype=np.int64)
    for members in nx.community.louvain_communities(g, seed=7):
        community[list(members)] = len(members)
    return pd.DataFrame(
        {"id_usuario": ids, "gds_degree": degree, "pagerank": pr, "community_size": community}
    )


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    return out.stdout.decode().strip()


def world(data_dir: Path, profile: str, devices: bool, scale: str, seed: str) -> Path:
    """The generated folder of one world (generated on first use)."""
    folder = data_dir / f"{profile}-{'dev' if devices else 'nodev'}-scale{scale}-seed{seed}"
    if not (folder / "usuarios.csv").exists():
        cmd = ["generate", "--profile", profile, "--seed", seed, "--scale", scale]
        run(RINGWATCH + cmd + (["--no-devices"] if not devices else []) + ["--out", str(folder)])
    return folder


def csv_dataset(folder: Path, name: str) -> D.GraphDataset:
    """The dataset built from the CSV files, cached in ``<folder>/.gnn-csv-dataset``."""
    cache = folder / ".gnn-csv-dataset"
    if (cache / "meta.json").exists():
        return D.read_cache(cache)
    raw, labels = raw_from_csv(folder)
    ds = D.build_dataset(raw, labels, name)
    D.write_cache(cache, ds)
    return ds


def bench_world(
    folder: Path, seed: str, source: str, load: bool, epochs: int, say=lambda _: None
) -> dict:
    """Train and evaluate every model on one generated world; returns the metrics."""
    truth = folder / "ground_truth_rings.csv"
    models = Path(tempfile.mkdtemp(prefix="ringwatch-bench-gnn-"))
    start = time.perf_counter()
    if source == "neo4j":
        if load:
            run(RINGWATCH + ["graph", "reset", "--yes"])
            run(RINGWATCH + ["load", str(folder), "--no-progress"])
        load_s = time.perf_counter() - start
        options = TrainOptions(
            models_dir=models, truth=truth, epochs=epochs, seed=int(seed), refresh=True
        )
        metrics = run_training(options, say=say)
    else:
        ds = csv_dataset(folder, f"csv-{folder.name}")
        load_s = time.perf_counter() - start
        options = TrainOptions(models_dir=models, truth=truth, epochs=epochs, seed=int(seed))
        metrics = train_and_evaluate(ds, options, say=say)
        metrics["dataset_seconds"] = round(load_s, 1)
    metrics["load_seconds"] = load_s
    shutil.rmtree(models, ignore_errors=True)
    return metrics


MODELS = ("ensemble", "hybrid", "graphsage", "lightgbm", "mlp")


def row(r: dict) -> str:
    cells = " | ".join(f"{r['auc_pr'][m]:.3f}" for m in MODELS)
    fit = r["fit_seconds"]
    return (
        f"| {r['profile']} | {r['devices']} | {r['scale']} | {r['seed']} | {cells} "
        f"| {r['members']} / {r['test']} | {r['train_positives']} | "
        f"{r.get('train_seconds', float('nan')):.1f} | {fit['hybrid']:.1f} / "
        f"{fit['graphsage']:.1f} / {fit['lightgbm']:.1f} / {fit.get('mlp', float('nan')):.1f} |"
    )


def summary(results: list[dict]) -> list[str]:
    """Mean AUC-PR per profile, devices and scale, and the relative gain over LightGBM."""
    frame = pd.DataFrame(
        [
            {"profile": r["profile"], "devices": r["devices"], "scale": r["scale"]}
            | {m: r["auc_pr"][m] for m in MODELS}
            for r in results
        ]
    )
    model_columns = " | ".join(MODELS)
    lines = [
        f"| profile | devices | scale | seeds | {model_columns} "
        "| ensemble vs LightGBM | hybrid vs LightGBM | GraphSAGE vs LightGBM |",
        "|---|---|---:|---:|" + "---:|" * (len(MODELS) + 3),
    ]
    groups = frame.groupby(["profile", "devices", "scale"], sort=False)
    for (profile, devices, scale), g in groups:
        mean = g[list(MODELS)].mean()
        gain = {m: mean[m] / mean["lightgbm"] - 1 for m in ("ensemble", "hybrid", "graphsage")}
        lines.append(
            f"| {profile} | {devices} | {scale} | {len(g)} | "
            + " | ".join(f"{mean[m]:.3f}" for m in MODELS)
            + f" | {gain['ensemble']:+.1%} | {gain['hybrid']:+.1%} | {gain['graphsage']:+.1%} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["pix-fast", "slow-layering"])
    parser.add_argument("--scales", nargs="+", default=["5", "20"])
    parser.add_argument("--seeds", nargs="+", default=["11", "21", "31"])
    parser.add_argument(
        "--devices",
        choices=["with", "without", "both"],
        default="both",
        help="with devices and logins, --no-devices, or both (pix-fast only: slow-layering's "
        "devices carry no signal by design, so it runs with them)",
    )
    parser.add_argument("--source", choices=["neo4j", "csv"], default="csv")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "gnn")
    parser.add_argument("--no-load", action="store_true", help="use the graph already loaded")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument(
        "--resume", action="store_true", help="reuse results of this commit from results.jsonl"
    )
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    log = args.data_dir / "results.jsonl"
    done = {}
    if args.resume and log.exists():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            if r["commit"] == commit() and r["source"] == args.source:
                done[(r["profile"], r["devices"], r["scale"], r["seed"])] = r
    results = []
    model_columns = " | ".join(MODELS)
    print(
        f"| profile | devices | scale | seed | {model_columns} "
        "| ring members / test accounts | train positives | fit s, all models "
        "| hybrid / SAGE / LGBM / MLP s |"
    )
    print("|---|---|---:|---:|" + "---:|" * (len(MODELS) + 4), flush=True)
    for profile in args.profiles:
        variants = [True, False] if args.devices == "both" else [args.devices == "with"]
        if profile != "pix-fast":
            variants = variants[:1] if args.devices == "both" else variants
        for devices in variants:
            for scale in args.scales:
                for seed in args.seeds:
                    key = (profile, "yes" if devices else "no", scale, seed)
                    if key in done:
                        r = done[key]
                    else:
                        folder = world(args.data_dir, profile, devices, scale, seed)
                        m = bench_world(folder, seed, args.source, not args.no_load, args.epochs)
                        r = dict(zip(("profile", "devices", "scale", "seed"), key, strict=True))
                        r |= {
                            "commit": commit(),
                            "source": args.source,
                            "auc_pr": {k: v["auc_pr"] for k, v in m["models"].items()},
                            "members": int(m["models"]["lightgbm"]["positives"]),
                            "test": int(m["models"]["lightgbm"]["n"]),
                            "train_positives": m["train_positives"],
                            "fit_seconds": m["fit_seconds"],
                            "train_seconds": m["train_seconds"],
                            "dataset_seconds": m.get("dataset_seconds"),
                            "models": m["models"],
                        }
                        with log.open("a") as fh:
                            fh.write(json.dumps(r, default=float) + "\n")
                    results.append(r)
                    print(row(r), flush=True)
    print()
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
