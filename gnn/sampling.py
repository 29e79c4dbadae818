"""Neighbour-sampled mini-batches and chunked layer-wise inference for ``MuleSAGE``, in plain
PyTorch.

PyG's ``NeighborLoader`` refuses to run without ``pyg-lib`` or ``torch-sparse`` (neither is on
PyPI as a wheel for our torch), so the sampler is here: each relation is a CSR over receiving
nodes; a batch starts from its seed nodes and, per layer, draws at most ``fanout`` distinct
in-neighbours per relation of the nodes it reached last (uniformly, without replacement, from
a seeded ``torch.Generator``). The batch's subgraph holds the sampled edges only; the model
runs on it unchanged and the loss reads its first ``size`` nodes (the seeds).

Inference does not sample: ``layerwise_predict`` computes every node's embedding one layer
at a time over row chunks of the full adjacencies, so no tensor larger than nodes x hidden
exists, and the result equals a full-batch forward pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor

from gnn.model import MuleSAGE


@dataclass(frozen=True)
class RelationCSR:
    """One relation's edges grouped by receiving node: the senders of node v are
    ``indices[indptr[v]:indptr[v + 1]]`` (sorted, distinct)."""

    indptr: Tensor  # int64 [n + 1]
    indices: Tensor  # int64 [E]

    @property
    def num_nodes(self) -> int:
        return int(self.indptr.numel() - 1)

    def degree(self) -> Tensor:
        return self.indptr[1:] - self.indptr[:-1]

    def rows(self, start: int, stop: int) -> Tensor:
        """Rows ``start:stop`` as a sparse CSR ``adj_t`` [stop - start, n] of ones."""
        lo, hi = int(self.indptr[start]), int(self.indptr[stop])
        crow = self.indptr[start : stop + 1] - lo
        col = self.indices[lo:hi]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Ss]parse.*(beta|invariant)")
            return torch.sparse_csr_tensor(
                crow, col, torch.ones(col.numel()), (stop - start, self.num_nodes)
            )


def relation_csr(
    edge_index: Tensor, edge_type: Tensor, num_nodes: int, num_relations: int
) -> list[RelationCSR]:
    """Per relation, the CSR of ``edge_index`` [2, E] (src -> dst) keyed by dst; duplicate
    edges count once, as in ``dataset.relation_adjacency``."""
    out = []
    for r in range(num_relations):
        ei = edge_index[:, edge_type == r]
        key = torch.unique(ei[1] * num_nodes + ei[0])  # sorted by dst, then src
        dst = torch.div(key, num_nodes, rounding_mode="floor")
        indptr = torch.zeros(num_nodes + 1, dtype=torch.int64)
        indptr[1:] = torch.cumsum(torch.bincount(dst, minlength=num_nodes), 0)
        out.append(RelationCSR(indptr, key - dst * num_nodes))
    return out


def sample_neighbours(
    csr: RelationCSR, nodes: Tensor, fanout: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """At most ``fanout`` distinct in-neighbours of each of ``nodes`` (all of them when it
    has no more, or when ``fanout`` < 0), drawn uniformly; returns (src, dst) node ids."""
    start = csr.indptr[nodes]
    deg = csr.indptr[nodes + 1] - start
    owner = torch.repeat_interleave(torch.arange(nodes.numel()), deg)
    first = torch.cumsum(deg, 0) - deg  # each owner's first candidate
    offset = torch.arange(owner.numel()) - first[owner]
    pos = start[owner] + offset
    if fanout >= 0 and bool((deg > fanout).any()):
        # Random keys, then group by owner keeping the key order: a candidate is kept when
        # fewer than ``fanout`` of its owner's candidates have a smaller key.
        by_key = torch.argsort(torch.rand(owner.numel(), generator=generator))
        order = by_key[torch.argsort(owner[by_key], stable=True)]
        rank = torch.arange(order.numel()) - first[owner[order]]
        kept = torch.sort(order[rank < fanout]).values
        pos, owner = pos[kept], owner[kept]
    return csr.indices[pos], nodes[owner]


@dataclass
class Batch:
    """A sampled subgraph: ``n_id`` are its nodes (ids of the sampled graph, the ``size``
    seeds first); ``adjs`` one sparse CSR ``adj_t`` per relation over local ids."""

    n_id: Tensor
    adjs: list[Tensor]
    size: int


class NeighbourSampler:
    """Samples ``Batch``es of a graph given as per-relation CSRs; ``fanouts[l]`` neighbours
    per relation at hop l + 1 (-1: all)."""

    def __init__(self, csrs: Sequence[RelationCSR], fanouts: Sequence[int]) -> None:
        self.csrs = list(csrs)
        self.fanouts = list(fanouts)
        n = self.csrs[0].num_nodes
        self._local = torch.full((n,), -1, dtype=torch.int64)  # reset after each batch

    def sample(self, seeds: Tensor, generator: torch.Generator) -> Batch:
        """The subgraph of ``seeds`` (distinct node ids): their sampled ``len(fanouts)``-hop
        neighbourhood with the sampled edges only."""
        local = self._local
        parts = [seeds]
        local[seeds] = torch.arange(seeds.numel())
        count = seeds.numel()
        edges: list[list[tuple[Tensor, Tensor]]] = [[] for _ in self.csrs]
        frontier = seeds
        for fanout in self.fanouts:
            reached = []
            for r, csr in enumerate(self.csrs):
                src, dst = sample_neighbours(csr, frontier, fanout, generator)
                edges[r].append((src, dst))
                reached.append(src)
            found = torch.unique(torch.cat(reached))
            frontier = found[local[found] < 0]
            local[frontier] = torch.arange(count, count + frontier.numel())
            count += frontier.numel()
            parts.append(frontier)
        n_id = torch.cat(parts)
        adjs = []
        for rel in edges:
            src = torch.cat([s for s, _ in rel])
            dst = torch.cat([d for _, d in rel])
            adjs.append(adjacency(local[dst], local[src], count))
        local[n_id] = -1
        return Batch(n_id, adjs, int(seeds.numel()))


def adjacency(rows: Tensor, cols: Tensor, n: int) -> Tensor:
    """Sparse CSR [n, n] of ones at (rows, cols) (distinct pairs)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ss]parse.*(beta|invariant)")
        coo = torch.sparse_coo_tensor(
            torch.stack([rows, cols]), torch.ones(rows.numel()), (n, n), check_invariants=False
        ).coalesce()
        return coo.to_sparse_csr()


@torch.no_grad()
def layerwise_predict(
    model: MuleSAGE, x: Tensor, csrs: Sequence[RelationCSR], chunk: int = 65_536
) -> Tensor:
    """``model``'s logits for every node, one layer at a time over chunks of ``chunk``
    receiving nodes (eval mode: no dropout). Mirrors ``MuleSAGE.forward``; a unit test checks
    that both agree."""
    model.eval()
    n = x.size(0)
    spans = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]
    h0 = torch.cat([F.relu(model.lin_in(x[s:e])) for s, e in spans])
    h = h0
    for convs, root in zip(model.convs, model.roots, strict=True):
        out = torch.empty_like(h)
        for s, e in spans:
            o = root(h[s:e])
            for conv, csr in zip(cast(torch.nn.ModuleList, convs), csrs, strict=True):
                o = o + conv((h, h[s:e]), csr.rows(s, e))
            out[s:e] = F.relu(o)
        h = out
    return torch.cat([model.head(torch.cat([h0[s:e], h[s:e]], dim=-1)).view(-1) for s, e in spans])
