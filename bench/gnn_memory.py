"""GraphSAGE's memory and time, full batch against neighbour-sampled mini-batches (issue 17):
for each world, side by side in one run, each step in its own process so each has its own
peak RSS.

Steps per world (a folder from ``ringwatch generate``):

- ``build``: the dataset from the CSV files as ``bench/gnn.py --source csv`` builds it, cached
  in ``<folder>/.gnn-csv-dataset`` (skipped when cached; ``--rebuild`` forces it).
  ``--communities components`` replaces networkx's Louvain (the CSV stand-in for GDS's,
  which needs hours and tens of GiB at scale 200) by connected-component sizes;
- ``train-<mode>`` per ``--modes`` (``full``, ``sampled``): read the cached dataset, split
  (model seed 7), fit GraphSAGE alone (not the MLP, LightGBM or the hybrid), score every
  account (full batch: one forward pass; sampled: layer-wise over node chunks) and take
  AUC-PR of the test accounts against ground-truth ring membership;
- ``score`` (``--score``): a fresh process reads the cached dataset and scores every account
  with the sampled model, as ``ringwatch score`` does before it writes (no Neo4j here).

Peak RSS is the process's ``ru_maxrss`` (``resource.getrusage``: the kernel's high-water mark
of resident memory, VmHWM). The parent polls each child's VmRSS in ``/proc`` and kills it
above ``--max-gib``. The 1-minute load average is printed before and after each step.

    .venv/bin/python bench/gnn_memory.py --worlds var/bench/pix-fast-s11-x20 --score
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CACHE = ".gnn-csv-dataset"


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def peak_gib() -> float:
    """This process's peak resident memory (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def where_memory_grows(step_gib: float = 0.25) -> None:
    """A daemon thread that prints to stderr, each time this process's RSS passes another
    ``step_gib``, the RSS and the innermost lines of ringwatch code the main thread is in:
    where a build that the parent kills was when it grew."""
    import threading
    import traceback

    main_id = threading.main_thread().ident

    def watch() -> None:
        mark = step_gib
        while True:
            status = Path("/proc/self/status").read_text().splitlines()
            rss = int(next(ln for ln in status if ln.startswith("VmRSS")).split()[1]) / 2**20
            if rss >= mark:
                frame = sys._current_frames().get(main_id)
                stack = traceback.extract_stack(frame) if frame else []
                ours = [f for f in stack if str(ROOT) in f.filename and ".venv" not in f.filename]
                at = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in ours[::-1][:3])
                print(f"rss {rss:.2f} GiB at {at}", file=sys.stderr, flush=True)
                mark = (rss // step_gib + 1) * step_gib
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def component_sizes(transfers: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """``bench.gnn.graph_features`` (same PageRank and degree) with connected-component sizes
    in place of Louvain's: networkx's graph alone would need tens of GiB at scale 200."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

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
    und = sp.csr_matrix((np.ones(s.size), (s, d)), shape=(n, n))
    und = ((und + und.T) > 0).astype(np.int8)
    und.setdiag(0)
    und.eliminate_zeros()
    degree = np.diff(und.indptr)
    _, label = connected_components(und, directed=False)
    size = np.bincount(label)[label]
    return pd.DataFrame(
        {"id_usuario": ids, "gds_degree": degree, "pagerank": pr, "community_size": size}
    )


USED_COLUMNS = {
    "usuarios": ["id_usuario", "cpf_cnpj", "email", "telefone", "data_cadastro"],
    "chaves_pix": ["chave_pix", "cpf_cnpj"],
    "limites_transacoes": ["id_usuario", "limite_diario", "data_atualizacao"],
    "transacoes_pix": [
        "id_transacao",
        "timestamp",
        "valor",
        "chave_pix_origem",
        "chave_pix_destino",
        "status",
    ],
    "dispositivos": ["id_dispositivo", "id_usuario", "data_registro"],
    "log_autenticacao": ["id_usuario", "timestamp", "status", "id_dispositivo"],
    "fraudes": ["id_transacao", "data_deteccao", "status"],
}


def arrow_csv(folder: Path, name: str, columns: list[str]) -> Any:
    """Some columns of a generated CSV file as an Arrow table of strings ("" stays "")."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(
        include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
    )
    return pacsv.read_csv(folder / f"{name}.csv", convert_options=options)


def arrow_epoch(column: Any) -> Any:
    """ISO local times (``2025-04-01T00:00:04``) as epoch seconds, as ``bench.gnn.epoch``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.strptime(column, format="%Y-%m-%dT%H:%M:%S", unit="s").cast(pa.int64())


def lean_raw_from_csv(folder: Path) -> tuple[Any, pd.DataFrame]:
    """``bench.gnn.raw_from_csv`` with the two big files (transfers, logins) parsed and
    joined in Arrow: key -> account lookups by ``index_in``/``take`` and the login
    aggregation by Arrow's group-by, instead of pandas maps and group-bys over tens of
    millions of Python-visible strings. The accounts' frames are built as there. Same
    dataset (checked at scale 1 and 20)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from bench import gnn as G
    from gnn import features as F

    def read(name: str) -> pd.DataFrame:
        cols = USED_COLUMNS[name]
        return pd.read_csv(
            folder / f"{name}.csv", dtype=str, keep_default_na=False, usecols=cols, engine="pyarrow"
        )

    accounts, key_account = G.accounts_from_csv(read)
    key_values = pa.array(key_account.index.to_numpy(dtype=object), pa.string())
    key_accounts = pa.array(key_account.to_numpy(dtype=object), pa.string(), from_pandas=True)
    del key_account

    def account(column: Any) -> Any:
        return key_accounts.take(pc.index_in(column, value_set=key_values))

    tx = arrow_csv(folder, "transacoes_pix", USED_COLUMNS["transacoes_pix"])
    dst = account(tx["chave_pix_destino"])
    table = pa.table(
        {
            "id_transacao": tx["id_transacao"],
            "src": account(tx["chave_pix_origem"]),
            "dst": dst,
            "valor": pc.cast(tx["valor"], pa.float64()),
            "ts": arrow_epoch(tx["timestamp"]),
            "status": tx["status"],
        }
    )
    fr = arrow_csv(folder, "fraudes", USED_COLUMNS["fraudes"])
    fraud_account = dst.take(pc.index_in(fr["id_transacao"], value_set=tx["id_transacao"]))
    del tx, dst
    transfers = table.to_pandas().dropna(subset=["src", "dst"])
    del table
    devices = arrow_csv(folder, "dispositivos", USED_COLUMNS["dispositivos"])
    reg = pa.table(
        {
            "id_usuario": devices["id_usuario"],
            "device": devices["id_dispositivo"],
            "first_seen": arrow_epoch(devices["data_registro"]),
            "registered": pa.array(np.ones(devices.num_rows, dtype=np.int64)),
            "logins": pa.array(np.zeros(devices.num_rows, dtype=np.int64)),
            "failed": pa.array(np.zeros(devices.num_rows, dtype=np.int64)),
        }
    )
    logs = arrow_csv(folder, "log_autenticacao", USED_COLUMNS["log_autenticacao"])
    logs = pa.table(
        {
            "id_usuario": logs["id_usuario"],
            "device": logs["id_dispositivo"],
            "ts": arrow_epoch(logs["timestamp"]),
            "fail": pc.cast(pc.equal(logs["status"], "falha"), pa.int64()),
        }
    )
    used = logs.group_by(["id_usuario", "device"]).aggregate(
        [("ts", "min"), ("ts", "count"), ("fail", "sum")]
    )
    del logs
    used = pa.table(
        {
            "id_usuario": used["id_usuario"],
            "device": used["device"],
            "first_seen": used["ts_min"],
            "registered": pa.array(np.zeros(used.num_rows, dtype=np.int64)),
            "logins": used["ts_count"],
            "failed": used["fail_sum"],
        }
    )
    both = pa.concat_tables([reg, used])
    del reg, used
    links = both.group_by(["id_usuario", "device"]).aggregate(
        [("first_seen", "min"), ("registered", "max"), ("logins", "sum"), ("failed", "sum")]
    )
    del both
    links = links.rename_columns(
        ["id_usuario", "device", "first_seen", "registered", "logins", "failed"]
    ).sort_by([("id_usuario", "ascending"), ("device", "ascending")])
    links = links.to_pandas()[F.LINK_COLUMNS]
    raw = F.RawGraph(
        accounts=accounts,
        transfers=transfers,
        links=links,
        device_holders=F.holders_per_device(links, accounts[["id_usuario", "holder"]]),
        gds=G.graph_features(transfers, list(accounts["id_usuario"])),
        reference_time=int(transfers["ts"].max()),
    )
    labels = pd.DataFrame(
        {
            "id_usuario": fraud_account.to_pandas(),
            "source": "fraud",
            "status": fr["status"].to_pandas(),
            "known_at": arrow_epoch(fr["data_deteccao"]).to_pandas().astype(float),
        }
    ).dropna(subset=["id_usuario"])
    return raw, labels.reset_index(drop=True)


def child_build(folder: Path, communities: str, lean: bool) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bench import gnn as G
    from gnn import dataset as D

    if communities == "components":
        G.graph_features = component_sizes  # type: ignore[assignment]
    start = time.perf_counter()
    raw, labels = lean_raw_from_csv(folder) if lean else G.raw_from_csv(folder)
    raw_s = time.perf_counter() - start
    ds = D.build_dataset(raw, labels, f"csv-{folder.name}")
    del raw
    D.write_cache(folder / CACHE, ds)
    return {
        "accounts": len(ds.ids),
        "edges": int(ds.edge_index.shape[1]),
        "csv_s": round(raw_s, 1),
        "seconds": round(time.perf_counter() - start, 1),
    }


def _prepared(folder: Path) -> tuple[Any, Any, Any, Any]:
    from gnn import dataset as D
    from gnn.features import transform

    ds = D.read_cache(folder / CACHE)
    split = D.make_split(ds.ids, ds.labels, seed=7)
    norm = D.Normaliser.fit(transform(ds.features)[split.train])
    data = D.to_data(ds, norm, split)
    return ds, split, norm, data


def child_train(
    folder: Path,
    mode: str,
    model_path: Path,
    epochs: int,
    batch_size: int,
    lr: float,
    full_epochs: int = 0,
    fanouts: tuple[int, ...] = (15, 10),
) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import torch

    from gnn import dataset as D
    from gnn import metrics as M
    from gnn import train as T

    start = time.perf_counter()
    ds, split, _, data = _prepared(folder)
    read_s = time.perf_counter() - start
    config = T.TrainConfig(
        sampling=mode, sampled_epochs=epochs, batch_size=batch_size, sampled_lr=lr, fanouts=fanouts
    )
    if mode == "full" and full_epochs:
        config = replace(config, epochs=full_epochs, eval_every=full_epochs)
    T.seed_everything(config.seed, config.threads)
    graph = D.training_graph(data)
    before = peak_gib()
    model = T.make_sage(data.num_features, config)
    fit = T.fit(model, graph, config)
    del graph
    start = time.perf_counter()
    scores = T.predict(model, data, layerwise=mode == "sampled")
    predict_s = time.perf_counter() - start
    torch.save(model.state_dict(), model_path)
    members = M.load_truth(folder / "ground_truth_rings.csv")
    y = np.array([i in members for i in ds.ids])[split.test]
    return {
        "accounts": len(ds.ids),
        "train_accounts": int(split.train.sum()),
        "read_s": round(read_s, 1),
        "fit_s": round(fit.seconds, 1),
        "epochs": config.sampled_epochs if mode == "sampled" else config.epochs,
        "batch_size": config.batch_size if mode == "sampled" else "all",
        "lr": config.sampled_lr if mode == "sampled" else config.lr,
        "fanouts": "/".join(str(f) for f in config.fanouts) if mode == "sampled" else "all",
        "best_epoch": fit.best_epoch,
        "predict_s": round(predict_s, 1),
        "peak_before_fit_gib": round(before, 2),
        "auc_pr": round(M.evaluate(y, scores[split.test])["auc_pr"], 3),
    }


def child_score(folder: Path, model_path: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    import torch

    from gnn import train as T

    start = time.perf_counter()
    _, _, _, data = _prepared(folder)
    read_s = time.perf_counter() - start
    config = T.TrainConfig()
    torch.set_num_threads(config.threads)
    model = T.make_sage(data.num_features, config)
    model.load_state_dict(torch.load(model_path, weights_only=True))
    start = time.perf_counter()
    scores = T.predict(model, data, layerwise=True)
    return {
        "accounts": int(scores.size),
        "read_s": round(read_s, 1),
        "predict_s": round(time.perf_counter() - start, 1),
    }


def run_child(args: list[str], max_gib: float) -> dict[str, Any]:
    """Run one step in a fresh process, killing it above ``max_gib`` of RSS."""
    cmd = [sys.executable, __file__, "--child", *args]
    before, start = load(), time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status = Path(f"/proc/{proc.pid}/status")
    killed = 0.0
    while proc.poll() is None:
        try:
            rss = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmRSS"))
            gib = int(rss.split()[1]) / 2**20
        except (OSError, StopIteration):
            gib = 0.0
        if gib > max_gib:
            killed = gib
            proc.kill()
        time.sleep(0.5)
    out, err = proc.communicate()
    result: dict[str, Any] = {"load_before": before, "load_after": load()}
    result["wall_s"] = round(time.perf_counter() - start, 1)
    grew = [ln for ln in err.splitlines() if ln.startswith("rss ")]
    result["last_growth"] = grew[-1] if grew else ""
    if killed:
        return result | {"error": f"killed at {killed:.1f} GiB RSS"}
    if proc.returncode != 0:
        return result | {"error": err.strip().splitlines()[-1] if err.strip() else "failed"}
    return result | json.loads(out.strip().splitlines()[-1])


def commit() -> str:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%h", "--", "gnn"], cwd=ROOT, capture_output=True
    )
    return out.stdout.decode().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", nargs="+", type=Path, default=[])
    parser.add_argument(
        "--modes", nargs="*", choices=["full", "sampled"], default=["full", "sampled"]
    )
    parser.add_argument(
        "--epochs", type=int, default=5, help="sampled passes (TrainConfig.sampled_epochs)"
    )
    parser.add_argument("--batch-size", type=int, default=4096, help="seeds per sampled batch")
    parser.add_argument("--lr", type=float, default=0.005, help="sampled learning rate")
    parser.add_argument(
        "--fanouts", nargs="+", type=int, default=[15, 10], help="sampled per hop; -1: all"
    )
    parser.add_argument(
        "--full-epochs",
        type=int,
        default=0,
        help="full-batch epochs (default: TrainConfig's 60); fewer to probe memory only",
    )
    parser.add_argument(
        "--score", action="store_true", help="also score every account in a fresh process"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--communities", choices=["louvain", "components"], default="louvain")
    parser.add_argument(
        "--lean", action="store_true", help="build with lean_raw_from_csv (Arrow for the big files)"
    )
    parser.add_argument("--max-gib", type=float, default=9.0)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        where_memory_grows()
        step, folder = args.child[0], Path(args.child[1])
        if step == "build":
            out = child_build(folder, args.child[2], args.child[3] == "lean")
        elif step == "score":
            out = child_score(folder, Path(args.child[2]))
        else:
            c = args.child
            out = child_train(
                folder,
                step,
                Path(c[2]),
                int(c[3]),
                int(c[4]),
                float(c[5]),
                int(c[6]),
                tuple(int(f) for f in c[7].removeprefix("f:").split(",")),
            )
        print(json.dumps(out | {"peak_rss_gib": round(peak_gib(), 2)}))
        return
    if not args.worlds:
        parser.error("give --worlds")
    print(f"<!-- gnn/ at {commit()}; peak RSS = ru_maxrss of each step's process -->")
    print("| world | step | accounts | load before / after | seconds | peak RSS GiB | details |")
    print("|---|---|---:|---|---:|---:|---|", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="ringwatch-gnn-memory-"))
    for folder in args.worlds:
        folder = folder.resolve()
        steps: list[tuple[str, list[str]]] = []
        if args.rebuild or not (folder / CACHE / "meta.json").exists():
            how = "lean" if args.lean else "all"
            steps.append(("build", ["build", str(folder), args.communities, how]))
        model = tmp / f"{folder.name}-sampled.pt"
        for mode in args.modes:
            path = tmp / f"{folder.name}-{mode}.pt"
            hyper = [str(args.epochs), str(args.batch_size), str(args.lr), str(args.full_epochs)]
            hyper.append("f:" + ",".join(str(f) for f in args.fanouts))  # not an option
            steps.append((f"train-{mode}", [mode, str(folder), str(path), *hyper]))
        if args.score:
            steps.append(("score", ["score", str(folder), str(model)]))
        for name, child_args in steps:
            r = run_child(child_args, args.max_gib)
            seconds = r.get("seconds", r.get("fit_s", r.get("predict_s", r["wall_s"])))
            skip = {"load_before", "load_after", "accounts", "peak_rss_gib", "seconds"}
            skip |= set() if "error" in r else {"last_growth"}
            details = ", ".join(f"{k} {v}" for k, v in r.items() if k not in skip)
            print(
                f"| {folder.name} | {name} | {r.get('accounts', '')} "
                f"| {r['load_before']} / {r['load_after']} | {seconds} "
                f"| {r.get('peak_rss_gib', '')} | {details} |",
                flush=True,
            )
            with (folder.parent / "gnn-memory.jsonl").open("a") as fh:
                fh.write(
                    json.dumps({"world": folder.name, "step": name, "commit": commit()} | r) + "\n"
                )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
