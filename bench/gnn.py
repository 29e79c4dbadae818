"""GNN benchmark: GraphSAGE against LightGBM and a features-only MLP on generated data.

For each scale: generate (seed 7) unless the folder exists, then either

- ``--source neo4j`` (the real path): reset the graph, ``ringwatch load``, ``ringwatch train
  --truth ground_truth_rings.csv`` (bulk export + GDS features from Neo4j), or
- ``--source csv``: build the same raw frames straight from the generated CSV files, for
  scales whose Neo4j load takes too long on the machine at hand. PageRank and degree are
  computed as GDS does; communities come from networkx's Louvain instead of GDS's. The built
  dataset is cached in ``<folder>/.gnn-csv-dataset`` (delete it to rebuild).

Either way the same feature, split, training and evaluation code runs, and the ground-truth
file is read only by the evaluation step. Prints a markdown table.

    .venv/bin/python bench/gnn.py --scales 1 20 --source neo4j
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gnn import dataset as D  # noqa: E402
from gnn import features as F  # noqa: E402
from gnn.cli import run_training, train_and_evaluate  # noqa: E402

RINGWATCH = [str(ROOT / ".venv" / "bin" / "ringwatch")]


def epoch(col: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(col, format="ISO8601")
    return (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")


def raw_from_csv(folder: Path) -> tuple[F.RawGraph, pd.DataFrame]:
    """The frames ``features.export_all`` and ``dataset.export_labels`` would return after
    loading ``folder`` into Neo4j, computed from its CSV files (never the ground truth)."""
    read = lambda name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
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
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def bench_scale(scale: str, data_dir: Path, source: str, load: bool, epochs: int) -> dict:
    folder = data_dir / f"scale{scale}"
    if not (folder / "usuarios.csv").exists():
        run(RINGWATCH + ["generate", "--seed", "7", "--scale", scale, "--out", str(folder)])
    truth = folder / "ground_truth_rings.csv"
    models = Path(tempfile.mkdtemp(prefix="ringwatch-bench-gnn-"))
    start = time.perf_counter()
    if source == "neo4j":
        if load:
            run(RINGWATCH + ["graph", "reset", "--yes"])
            run(RINGWATCH + ["load", str(folder), "--no-progress"])
        load_s = time.perf_counter() - start
        metrics = run_training(models, truth, epochs=epochs, refresh=True, say=lambda _: None)
    else:
        cache = folder / ".gnn-csv-dataset"
        if (cache / "meta.json").exists():
            ds = D.read_cache(cache)
        else:
            raw, labels = raw_from_csv(folder)
            ds = D.build_dataset(raw, labels, f"csv-scale{scale}")
            D.write_cache(cache, ds)
        load_s = time.perf_counter() - start
        metrics = train_and_evaluate(ds, models, truth, epochs=epochs, say=lambda _: None)
        metrics["dataset_seconds"] = round(load_s, 1)
    metrics["scale"], metrics["source"], metrics["load_seconds"] = scale, source, load_s
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["1", "20"])
    parser.add_argument("--source", choices=["neo4j", "csv"], default="neo4j")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "bench" / "gnn")
    parser.add_argument("--no-load", action="store_true", help="use the graph already loaded")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        m = bench_scale(scale, args.data_dir, args.source, not args.no_load, args.epochs)
        for model, r in m["models"].items():
            rows.append(
                f"| {scale} | {args.source} | {model} | {r['auc_pr']:.3f} | {r['roc_auc']:.3f} "
                f"| {r['best_f1']:.3f} | {r['precision_at_100']:.3f} "
                f"| {r['recall_at_1pct_fpr']:.3f} | {int(r['positives'])} / {int(r['n'])} "
                f"| {m['fit_seconds'][model]:.0f} |"
            )
        rows.append(
            f"| {scale} | {args.source} | *all three* | train {m['train_seconds']:.0f} s "
            f"(dataset {m['dataset_seconds']:.0f} s) | {m['train_positives']} train positives "
            f"| cut-off {m['cutoff']} | | | | |"
        )
    print(
        "| scale | source | model | AUC-PR | ROC-AUC | best F1 | P@100 | R@1%FPR "
        "| ring members / test accounts | fit s |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
