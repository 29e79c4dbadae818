"""From exported records to a PyG ``Data``: contiguous ids, the account graph's edges, bank
labels, the time-based inductive split and an on-disk cache keyed by a hash of the data.

Labels come only from what a bank knows (``cypher/gnn/labels.cypher``): receivers of
confirmed fraudes.csv cases and accounts investigators confirmed (the app's dated
``Decision`` nodes). The ground-truth file is never read here.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data.schema import TIME_ZONE
from gnn import features as F
from graph.gateway import Graph

# Bumped whenever feature or edge code changes meaning, so old caches are not reused.
DATASET_VERSION = "2"  # 2: decisions dated by their `at`
# Edge relations of the account graph (message direction src -> dst).
REL_PAID_BY = 0  # sender -> receiver: a receiver aggregates its senders
REL_PAID_TO = 1  # receiver -> sender: a sender aggregates its receivers
REL_DEVICE = 2  # accounts sharing a device (both directions)
NUM_RELATIONS = 3
MAX_DEVICE_ACCOUNTS = 20  # devices linked to more accounts (shop tablets) give no edges
MIN_CASES = 2  # confirmed cases that make a positive trustworthy (see label_weights)
MIN_CONFIDENT = 30  # fewer trustworthy positives than this: trust every positive


@dataclass
class GraphDataset:
    """The account graph in contiguous ids: node i is ``ids[i]``."""

    ids: list[str]
    features: pd.DataFrame  # raw FEATURES, indexed by id_usuario in ``ids`` order
    edge_index: np.ndarray  # int64 [2, E]
    edge_type: np.ndarray  # int64 [E]
    labels: pd.DataFrame  # id_usuario, source, status, known_at (epoch seconds or NaN)
    data_hash: str


@dataclass
class Split:
    """A time-based inductive split: masks over nodes and the bank's labels."""

    cutoff: int  # epoch seconds; labels known before it are for training
    train: np.ndarray  # nodes of the training graph (test nodes are not in it)
    val: np.ndarray  # training-graph nodes whose labels pick the epoch, not the weights
    test: np.ndarray  # unseen in training: later-detected positives, pending, held-out others
    y: np.ndarray  # float 0/1: the bank's label (positives before or after the cut-off)
    known: np.ndarray  # the bank's label is usable (not an open case) for evaluation
    weight: np.ndarray | None = None  # per-node loss weight (label confidence); None = all 1


def to_epoch(value: Any) -> float:
    """Epoch seconds on the graph's clock (wall time in ``TIME_ZONE`` read as UTC, as the
    graph stores local times) of a Neo4j temporal, datetime, ISO string or number: a naive
    value is already wall time; an aware one is converted to ``TIME_ZONE`` first. NaN when
    unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return float("nan")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(TIME_ZONE)).replace(tzinfo=None)
        value = value.replace(tzinfo=UTC)
        return float(value.timestamp())
    return float("nan")


def export_labels(gateway: Graph) -> pd.DataFrame:
    """The bank's label records (fraud cases, and accounts confirmed by investigators'
    decisions about them or their ring), each with the time the bank knew it."""
    rows = gateway.query("gnn/labels", {"time_zone": TIME_ZONE}, mode="read").rows
    frame = pd.DataFrame(rows, columns=["id_usuario", "source", "status", "known_at"])
    frame["known_at"] = [to_epoch(v) for v in frame["known_at"]]
    return frame.dropna(subset=["id_usuario"]).reset_index(drop=True)


def build_edges(
    transfers: pd.DataFrame,
    links: pd.DataFrame,
    index: pd.Index,
    max_device_accounts: int = MAX_DEVICE_ACCOUNTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Edges between accounts of ``index`` (positions are node ids): one per distinct
    sender/receiver pair in each direction, and both directions between accounts that share
    a device linked to at most ``max_device_accounts`` accounts."""
    # Ids become node positions first: deduplicating and joining numbers, not id strings
    # (10 M transfers at scale 200), gives the same edges in the same order.
    pos = pd.Series(np.arange(len(index)), index=index)
    s, d = pos.reindex(transfers["src"]).to_numpy(), pos.reindex(transfers["dst"]).to_numpy()
    keep = ~(np.isnan(s) | np.isnan(d))
    pairs = pd.DataFrame({"s": s[keep].astype(np.int64), "d": d[keep].astype(np.int64)})
    pairs = pairs.drop_duplicates()
    pairs = pairs[pairs["s"] != pairs["d"]]
    s, d = pairs["s"].to_numpy(), pairs["d"].to_numpy()
    node = pos.reindex(links["id_usuario"]).to_numpy()
    dev = pd.DataFrame({"device": pd.factorize(links["device"])[0], "node": node})
    dev = dev[~np.isnan(node)].astype(np.int64).drop_duplicates()
    size = dev.groupby("device")["node"].transform("size")
    dev = dev[(size > 1) & (size <= max_device_accounts)]
    both = dev.merge(dev, on="device")
    both = both[both["node_x"] != both["node_y"]]
    both = both[["node_x", "node_y"]].drop_duplicates()
    ds, dd = both["node_x"].to_numpy(), both["node_y"].to_numpy()
    edge_index = np.stack([np.r_[s, d, ds], np.r_[d, s, dd]]).astype(np.int64)
    edge_type = np.r_[
        np.full(s.size, REL_PAID_BY), np.full(s.size, REL_PAID_TO), np.full(ds.size, REL_DEVICE)
    ].astype(np.int64)
    return edge_index, edge_type


def data_hash(fingerprint: list[dict[str, Any]]) -> str:
    """Hash of the graph fingerprint, the dataset code version and the feature list."""
    payload = json.dumps(
        {"fingerprint": fingerprint, "version": DATASET_VERSION, "features": F.FEATURES},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def build_dataset(
    raw: F.RawGraph, labels: pd.DataFrame, hash_: str, say: Any = None
) -> GraphDataset:
    """Contiguous ids (accounts sorted by id), features, edges and label records; ``say``
    gets one line with the seconds of each part."""
    began = time.monotonic()
    ids = sorted(raw.accounts["id_usuario"])
    feats = F.build_features(raw, ids)
    features_s = time.monotonic() - began
    edge_index, edge_type = build_edges(raw.transfers, raw.links, pd.Index(ids))
    if say is not None:
        say(
            f"dataset: features built in {features_s:.1f} s, "
            f"{edge_index.shape[1]:,} edges in {time.monotonic() - began - features_s:.1f} s"
        )
    return GraphDataset(ids, feats, edge_index, edge_type, labels, hash_)


def load_dataset(
    gateway: Graph,
    cache_dir: Path,
    refresh: bool = False,
    concurrency: int = 2,
    say: Any = print,
) -> GraphDataset:
    """The dataset of the graph as it is now: from the cache when the graph's fingerprint
    matches, else exported in bulk, built and cached."""
    began = time.monotonic()
    hash_ = data_hash(gateway.query("gnn/fingerprint", mode="read").rows)
    say(f"dataset: the graph's fingerprint taken in {time.monotonic() - began:.1f} s")
    folder = cache_dir / hash_[:16]
    if not refresh and (folder / "meta.json").exists():
        say(f"dataset: cached ({folder})")
        return read_cache(folder)
    say("dataset: exporting the graph from Neo4j")
    raw = F.export_all(gateway, concurrency, say)
    began = time.monotonic()
    labels = export_labels(gateway)
    say(f"dataset: {len(labels):,} labels in {time.monotonic() - began:.1f} s")
    ds = build_dataset(raw, labels, hash_, say)
    began = time.monotonic()
    write_cache(folder, ds)
    cache_dir.mkdir(parents=True, exist_ok=True)
    raw.gds.to_parquet(cache_dir / "gds-latest.parquet", index=False)
    say(f"dataset: cached in {time.monotonic() - began:.1f} s ({folder})")
    return ds


def write_cache(folder: Path, ds: GraphDataset) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ds.features.to_parquet(folder / "features.parquet")
    ds.labels.to_parquet(folder / "labels.parquet", index=False)
    np.savez_compressed(folder / "edges.npz", edge_index=ds.edge_index, edge_type=ds.edge_type)
    (folder / "meta.json").write_text(json.dumps({"data_hash": ds.data_hash, "ids": ds.ids}))


def read_cache(folder: Path) -> GraphDataset:
    meta = json.loads((folder / "meta.json").read_text())
    edges = np.load(folder / "edges.npz")
    return GraphDataset(
        ids=meta["ids"],
        features=pd.read_parquet(folder / "features.parquet"),
        edge_index=edges["edge_index"],
        edge_type=edges["edge_type"],
        labels=pd.read_parquet(folder / "labels.parquet"),
        data_hash=meta["data_hash"],
    )


def positive_times(labels: pd.DataFrame) -> pd.Series:
    """Per positive account, when the bank first knew (confirmed fraud case, confirmed ring or
    decision); a fraud case without a detection date counts as known since the beginning."""
    positive = labels[
        ((labels["source"] == "fraud") & (labels["status"] == "confirmada"))
        | labels["source"].isin(["ring", "decision"])
    ]
    known = positive["known_at"].astype(float).fillna(-np.inf)
    return known.groupby(positive["id_usuario"]).min()


def confirmed_cases(labels: pd.DataFrame, before: float) -> pd.Series:
    """Per account, how many confirmed fraud cases the bank knew before ``before``."""
    cases = labels[
        (labels["source"] == "fraud")
        & (labels["status"] == "confirmada")
        & (labels["known_at"].astype(float) < before)
    ]
    return cases.groupby("id_usuario").size()


def label_weights(
    ids: list[str],
    labels: pd.DataFrame,
    y: np.ndarray,
    cutoff: float,
    min_cases: int = MIN_CASES,
    min_confident: int = MIN_CONFIDENT,
) -> np.ndarray:
    """Loss weight per node: 0 for a positive backed by fewer than ``min_cases`` confirmed
    cases (a lone confirmed payment is as often an innocent receiver the bank got wrong as a
    mule), 1 for everything else; when fewer than ``min_confident`` positives have enough
    cases (a world where each group yields one case), every positive keeps weight 1.
    Confirmed rings and decisions count as ``min_cases`` cases."""
    cases = confirmed_cases(labels, cutoff).reindex(ids).fillna(0).to_numpy(copy=True)
    strong = labels[labels["source"].isin(["ring", "decision"])]["id_usuario"]
    cases[pd.Index(ids).isin(list(strong))] = min_cases
    weak = (y > 0) & (cases < min_cases)
    confident = int(((y > 0) & ~weak).sum())
    if confident < min_confident:
        return np.ones(len(ids), dtype=np.float32)
    return np.where(weak, 0.0, 1.0).astype(np.float32)


def pending_accounts(labels: pd.DataFrame) -> set[str]:
    """Accounts with a fraud case still under analysis."""
    open_cases = labels[(labels["source"] == "fraud") & (labels["status"] == "em_analise")]
    return set(open_cases["id_usuario"])


def make_split(
    ids: list[str],
    labels: pd.DataFrame,
    cutoff: int | None = None,
    cutoff_quantile: float = 0.7,
    test_share: float = 0.3,
    val_share: float = 0.2,
    seed: int = 7,
) -> Split:
    """Train on labels known before the cut-off; test on accounts never seen in training:
    every positive first known after the cut-off, every account with an open case, and a
    random ``test_share`` of the rest. ``cutoff`` defaults to the ``cutoff_quantile`` of the
    positives' first-known times."""
    n = len(ids)
    index = pd.Index(ids)
    first = positive_times(labels).reindex(index)
    dated = first[np.isfinite(first)]
    if cutoff is None:
        cutoff = int(np.quantile(dated, cutoff_quantile)) if len(dated) else 0
    is_pos = first.notna().to_numpy()
    early = (first < cutoff).to_numpy()
    late = is_pos & ~early
    pending = index.isin(list(pending_accounts(labels))) & ~is_pos
    rng = np.random.default_rng(seed)
    held_out = rng.random(n) < test_share
    test = late | pending | (held_out & ~is_pos)
    train = ~test
    val = train & (rng.random(n) < val_share)
    y = is_pos.astype(np.float32)
    return Split(
        cutoff=int(cutoff),
        train=train,
        val=val,
        test=test,
        y=y,
        known=~pending,
        weight=label_weights(ids, labels, y * train, cutoff),
    )


@dataclass
class Normaliser:
    """Standardisation of the transformed features (fitted on training nodes only)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> Normaliser:
        std = values.std(axis=0)
        return cls(values.mean(axis=0), np.where(std > 1e-9, std, 1.0))

    def apply(self, values: np.ndarray) -> np.ndarray:
        scaled: np.ndarray = ((values - self.mean) / self.std).astype(np.float32)
        return scaled


def to_data(ds: GraphDataset, norm: Normaliser, split: Split | None = None) -> Any:
    """A ``torch_geometric.data.Data`` with normalised features, typed edges and, when a
    split is given, its masks and the training labels (positives known before the cut-off)."""
    import torch
    from torch_geometric.data import Data

    data = Data(
        x=torch.from_numpy(norm.apply(F.transform(ds.features))),
        edge_index=torch.from_numpy(ds.edge_index),
        edge_type=torch.from_numpy(ds.edge_type),
        num_nodes=len(ds.ids),
    )
    if split is not None:
        data.y = torch.from_numpy(split.y)
        data.train_mask = torch.from_numpy(split.train)
        data.val_mask = torch.from_numpy(split.val)
        data.test_mask = torch.from_numpy(split.test)
        weight = split.weight if split.weight is not None else np.ones(len(ds.ids))
        data.weight = torch.from_numpy(np.asarray(weight, dtype=np.float32))
    return data


def relation_adjacency(data: Any, num_relations: int = NUM_RELATIONS) -> list[Any]:
    """One sparse CSR ``adj_t`` (row = receiving node) per relation: the form in which
    SAGEConv's mean aggregation is a single sparse-dense product on CPU."""
    import torch

    n = data.num_nodes
    adjs = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ss]parse.*(beta|invariant)")
        for r in range(num_relations):
            ei = data.edge_index[:, data.edge_type == r]
            coo = torch.sparse_coo_tensor(
                torch.stack([ei[1], ei[0]]), torch.ones(ei.size(1)), (n, n), check_invariants=False
            ).coalesce()
            adjs.append(coo.to_sparse_csr())
    return adjs


def training_graph(data: Any) -> Any:
    """The graph the model trains on: test nodes and their edges removed, so neither their
    labels nor their features reach a training forward pass."""
    import torch

    train_idx = torch.nonzero(data.train_mask, as_tuple=False).view(-1)
    sub = data.subgraph(train_idx)
    sub.y = data.y[train_idx]
    if getattr(data, "weight", None) is not None:
        sub.weight = data.weight[train_idx]
    return sub
