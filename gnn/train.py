"""Training and evaluation as plain functions (PyG style): full-batch on CPU up to
``FULL_BATCH_MAX_NODES`` accounts, neighbour-sampled mini-batches above (``gnn.sampling``),
class imbalance handled by a positive-class weight, the epoch chosen on held-out training
labels."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from gnn import baselines, hybrid
from gnn import sampling as S
from gnn.dataset import NUM_RELATIONS, relation_adjacency, training_graph
from gnn.features import FEATURES
from gnn.model import FeatureMLP, MuleSAGE

# Torch and LightGBM run on one thread. With two OpenMP threads on the shared 2-core
# machine, every parallel region (thousands per fit: each layer, each tree) waits for the
# thread the OS has descheduled: at load 4-5 the fit took 8-12x longer (issue 17, in
# docs/benchmarks.md). ``--threads`` gives more to a machine that has them to spare.
THREADS = 1
# Above this many nodes GraphSAGE trains on sampled mini-batches and predicts layer by layer
# (``sampling="auto"``): full-batch training keeps every layer's activations and gradients
# for all nodes at once, which grows with the graph; a mini-batch's subgraph does not.
FULL_BATCH_MAX_NODES = 1_000_000
SAMPLING_MODES = ("auto", "full", "sampled")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of the torch models (stored with every model version)."""

    epochs: int = 60
    lr: float = 0.02
    weight_decay: float = 5e-4
    hidden: int = 32
    layers: int = 2
    dropout: float = 0.2
    eval_every: int = 5
    seed: int = 7
    threads: int = THREADS
    sampling: str = "auto"  # auto | full | sampled (see FULL_BATCH_MAX_NODES)
    fanouts: tuple[int, ...] = (15, 10)  # sampled neighbours per relation, per hop
    batch_size: int = 4096  # seed nodes per mini-batch
    sampled_epochs: int = 5  # passes over the training nodes in mini-batches
    # Many steps per pass where full batch takes one per epoch: at scale 20 (pix-fast seed 11)
    # full batch's 0.02 with 1,024 seeds peaked after the first pass and fell to test AUC-PR
    # 0.53 (full batch 0.94); 0.002 gave 0.90, 4,096 seeds at 0.005 0.92 in 60% of the time.
    sampled_lr: float = 0.005


def uses_sampling(num_nodes: int, sampling: str = "auto") -> bool:
    """Whether a graph of ``num_nodes`` nodes trains on sampled mini-batches."""
    if sampling not in SAMPLING_MODES:
        raise ValueError(f"sampling must be one of {SAMPLING_MODES}, not {sampling!r}")
    return sampling == "sampled" or (sampling == "auto" and num_nodes > FULL_BATCH_MAX_NODES)


@dataclass
class FitResult:
    losses: list[float] = field(default_factory=list)
    best_epoch: int = 0
    best_val_auc_pr: float = float("nan")
    seconds: float = 0.0


@dataclass
class Trained:
    """The fitted models and their scores on every node of the full graph."""

    sage: MuleSAGE
    mlp: FeatureMLP
    lgbm: Any
    scores: dict[str, np.ndarray]
    fits: dict[str, FitResult]
    hybrid: hybrid.Hybrid | None = None


def seed_everything(seed: int, threads: int = THREADS) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


def pos_weight(y: torch.Tensor) -> torch.Tensor:
    """Negatives per positive: the weight that balances the two classes in the loss."""
    n_pos = float(y.sum())
    return torch.tensor(max((y.numel() - n_pos) / max(n_pos, 1.0), 1.0))


def node_weights(data: Any) -> torch.Tensor:
    """Per-node loss weights (label confidence, ``dataset.label_weights``); 1 when absent."""
    weight = getattr(data, "weight", None)
    return weight if weight is not None else torch.ones(data.num_nodes)


def train_epoch(
    model: torch.nn.Module,
    data: Any,
    adjs: list[torch.Tensor],
    mask: torch.Tensor,
    optimizer: Any,
    weight: torch.Tensor,
) -> float:
    """One full-batch step on the labelled nodes in ``mask``; returns the loss."""
    model.train()
    optimizer.zero_grad()
    logits = model(data.x, adjs)
    loss = F.binary_cross_entropy_with_logits(
        logits[mask], data.y[mask], weight=node_weights(data)[mask], pos_weight=weight
    )
    loss.backward()  # type: ignore[no-untyped-call]  # torch leaves backward unannotated
    optimizer.step()
    return float(loss.detach())


@torch.no_grad()
def predict(
    model: torch.nn.Module,
    data: Any,
    adjs: list[torch.Tensor] | None = None,
    layerwise: bool | None = None,
) -> np.ndarray:
    """Mule probability of every node of ``data``. GraphSAGE runs layer by layer over node
    chunks (``sampling.layerwise_predict``, same result, bounded memory) when ``layerwise``
    or, by default, above ``FULL_BATCH_MAX_NODES`` nodes; the MLP needs no edges."""
    model.eval()
    if not isinstance(model, MuleSAGE):
        return torch.sigmoid(model(data.x, [])).numpy()
    if layerwise is None:
        layerwise = adjs is None and uses_sampling(data.num_nodes)
    if layerwise:
        csrs = S.relation_csr(data.edge_index, data.edge_type, data.num_nodes, NUM_RELATIONS)
        return torch.sigmoid(S.layerwise_predict(model, data.x, csrs)).numpy()
    adjs = relation_adjacency(data) if adjs is None else adjs
    return torch.sigmoid(model(data.x, adjs)).numpy()


def fit(model: torch.nn.Module, graph: Any, config: TrainConfig) -> FitResult:
    """Train on ``graph.train_mask & ~graph.val_mask`` (nodes of weight 0 left out); keep the
    weights of the epoch with the best validation AUC-PR (the last epoch when the validation
    set has no positive). GraphSAGE on a graph that ``uses_sampling`` trains on sampled
    mini-batches (``fit_sampled``)."""
    from sklearn.metrics import average_precision_score

    if isinstance(model, MuleSAGE) and uses_sampling(graph.num_nodes, config.sampling):
        return fit_sampled(model, graph, config)
    usable = node_weights(graph) > 0
    fit_mask = graph.train_mask & ~graph.val_mask & usable
    val_mask = graph.val_mask & usable
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    weight = pos_weight(graph.y[fit_mask])
    y_val = graph.y[val_mask].numpy()
    use_val = 0 < y_val.sum() < y_val.size
    adjs = relation_adjacency(graph) if isinstance(model, MuleSAGE) else []
    result = FitResult()
    best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        result.losses.append(train_epoch(model, graph, adjs, fit_mask, optimizer, weight))
        if use_val and (epoch % config.eval_every == 0 or epoch == config.epochs):
            score = average_precision_score(y_val, predict(model, graph, adjs)[val_mask.numpy()])
            if not score <= result.best_val_auc_pr:  # NaN-safe "better"
                result.best_val_auc_pr, result.best_epoch = float(score), epoch
                best_state = copy.deepcopy(model.state_dict())
    if not use_val:
        result.best_epoch, best_state = config.epochs, model.state_dict()
    model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - start
    return result


def fit_sampled(model: MuleSAGE, graph: Any, config: TrainConfig) -> FitResult:
    """``fit`` on neighbour-sampled mini-batches of ``graph`` (the training graph: test nodes
    are not in it, so no batch can reach them): ``config.sampled_epochs`` shuffled passes
    over the same training nodes, each batch's loss on its seeds only, with the same label
    weights and positive-class weight, a smaller learning rate (``sampled_lr``); validation
    after every pass, by exact layer-wise inference over the training graph."""
    from sklearn.metrics import average_precision_score

    usable = node_weights(graph) > 0
    fit_mask = graph.train_mask & ~graph.val_mask & usable
    val_mask = graph.val_mask & usable
    optimizer = torch.optim.Adam(
        model.parameters(), lr=config.sampled_lr, weight_decay=config.weight_decay
    )
    weight = pos_weight(graph.y[fit_mask])
    node_weight = node_weights(graph)
    y_val = graph.y[val_mask].numpy()
    use_val = 0 < y_val.sum() < y_val.size
    csrs = S.relation_csr(graph.edge_index, graph.edge_type, graph.num_nodes, NUM_RELATIONS)
    sampler = S.NeighbourSampler(csrs, config.fanouts)
    generator = torch.Generator().manual_seed(config.seed)
    seeds = torch.nonzero(fit_mask, as_tuple=False).view(-1)
    result = FitResult()
    best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    for epoch in range(1, config.sampled_epochs + 1):
        losses, sizes = [], []
        order = seeds[torch.randperm(seeds.numel(), generator=generator)]
        for first in range(0, order.numel(), config.batch_size):
            batch_seeds = order[first : first + config.batch_size]
            batch = sampler.sample(batch_seeds, generator)
            model.train()
            optimizer.zero_grad()
            logits = model(graph.x[batch.n_id], batch.adjs)[: batch.size]
            loss = F.binary_cross_entropy_with_logits(
                logits,
                graph.y[batch_seeds],
                weight=node_weight[batch_seeds],
                pos_weight=weight,
            )
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves backward unannotated
            optimizer.step()
            losses.append(float(loss.detach()))
            sizes.append(batch.size)
        result.losses.append(float(np.average(losses, weights=sizes)))
        if use_val:
            scores = torch.sigmoid(S.layerwise_predict(model, graph.x, csrs)).numpy()
            score = average_precision_score(y_val, scores[val_mask.numpy()])
            if not score <= result.best_val_auc_pr:  # NaN-safe "better"
                result.best_val_auc_pr, result.best_epoch = float(score), epoch
                best_state = copy.deepcopy(model.state_dict())
    if not use_val:
        result.best_epoch, best_state = config.sampled_epochs, model.state_dict()
    model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - start
    return result


def make_sage(in_channels: int, config: TrainConfig) -> MuleSAGE:
    return MuleSAGE(in_channels, config.hidden, NUM_RELATIONS, config.layers, config.dropout)


def make_mlp(in_channels: int, config: TrainConfig) -> FeatureMLP:
    return FeatureMLP(in_channels, config.hidden, config.layers + 1, config.dropout)


def fit_hybrid(
    data: Any, config: TrainConfig, stage1: Any | None = None
) -> tuple[hybrid.Hybrid, np.ndarray]:
    """The hybrid on the full graph's features and edges, fitted on the training nodes'
    labels only (test nodes contribute their unlabelled features as neighbours, as they do
    when scoring), and its score of every node. ``stage1``: the LightGBM baseline of
    ``fit_all``, which is stage 1 (same features, rows, settings and seed), so it is not
    fitted twice."""
    x = data.x.numpy()
    usable = node_weights(data).numpy() > 0
    fit_mask = (data.train_mask & ~data.val_mask).numpy() & usable
    val_mask = data.val_mask.numpy() & usable
    ei, et = data.edge_index.numpy(), data.edge_type.numpy()
    return hybrid.fit_hybrid(
        x,
        list(FEATURES),
        data.y.numpy(),
        fit_mask,
        val_mask,
        ei,
        et,
        config.seed,
        config.threads,
        stage1=stage1,
    )


def predict_hybrid(model: hybrid.Hybrid, data: Any, threads: int = THREADS) -> np.ndarray:
    """Hybrid mule probability of every node of ``data``."""
    ei, et = data.edge_index.numpy(), data.edge_type.numpy()
    return hybrid.predict_hybrid(model, data.x.numpy(), list(FEATURES), ei, et, threads)


def fit_all(data: Any, config: TrainConfig) -> Trained:
    """Fit GraphSAGE, the MLP and LightGBM on the training graph (test nodes removed) and the
    hybrid on the training labels, then score every node of the full graph."""
    seed_everything(config.seed, config.threads)
    graph = training_graph(data)
    in_channels = data.num_features
    fits: dict[str, FitResult] = {}
    sage = make_sage(in_channels, config)
    fits["graphsage"] = fit(sage, graph, config)
    seed_everything(config.seed, config.threads)
    mlp = make_mlp(in_channels, config)
    fits["mlp"] = fit(mlp, graph, config)
    start = time.perf_counter()
    lgbm = baselines.fit_lightgbm(graph, config.seed, config.threads)
    fits["lightgbm"] = FitResult(seconds=time.perf_counter() - start)
    start = time.perf_counter()
    hyb, hybrid_scores = fit_hybrid(data, config, stage1=lgbm)
    fits["hybrid"] = FitResult(seconds=time.perf_counter() - start)
    full_adjs = None if uses_sampling(data.num_nodes, config.sampling) else relation_adjacency(data)
    scores = {
        "hybrid": hybrid_scores,
        "graphsage": predict(sage, data, full_adjs, layerwise=full_adjs is None),
        "mlp": predict(mlp, data),
        "lightgbm": baselines.predict_lightgbm(lgbm, data.x.numpy(), config.threads),
    }
    scores["ensemble"] = rank_mean([scores["hybrid"], scores["graphsage"]])
    return Trained(sage, mlp, lgbm, scores, fits, hyb)


REFERENCE_LEVELS = np.linspace(0.0, 1.0, 1001)


def score_reference(scores: np.ndarray) -> np.ndarray:
    """Quantiles of a model's scores over every account (stored with the model), so a score
    computed later, alone or for a few accounts, can be turned into the same rank."""
    return np.quantile(np.asarray(scores, dtype=np.float64), REFERENCE_LEVELS)


def reference_rank_mean(scores: list[np.ndarray], references: list[np.ndarray]) -> np.ndarray:
    """``rank_mean`` for scoring: each score's rank read off its model's stored quantiles."""
    ranks = [np.interp(s, ref, REFERENCE_LEVELS) for s, ref in zip(scores, references, strict=True)]
    return np.asarray(np.mean(ranks, axis=0))


def rank_mean(scores: list[np.ndarray]) -> np.ndarray:
    """Mean of the scores' ranks, scaled to (0, 1]: an ensemble that needs no calibration
    between models whose probabilities live on different scales."""
    from scipy.stats import rankdata

    return np.asarray(np.mean([rankdata(s) / len(s) for s in scores], axis=0))
