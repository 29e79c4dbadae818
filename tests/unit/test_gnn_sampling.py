"""The neighbour sampler and sampled mini-batch training (issue 17), on graphs of a dozen
nodes built by hand: fan-outs, determinism, the inductive split, and exact inference."""

from __future__ import annotations

import torch
from torch_geometric.data import Data

from gnn import dataset as D
from gnn import sampling as S
from gnn import train as T
from gnn.model import MuleSAGE

# A star: node 0 receives from 1..8 (paid by); 9 -> 1, 10 -> 2 one hop further out; node 11
# shares a device with 0. The reverse of every payment is a paid-to edge.
PAYMENTS = [(i, 0) for i in range(1, 9)] + [(9, 1), (10, 2)]


def _star() -> Data:
    pay = torch.tensor(PAYMENTS).T
    dev = torch.tensor([[0, 11], [11, 0]])
    edge_index = torch.cat([pay, pay.flip(0), dev], dim=1)
    edge_type = torch.tensor(
        [D.REL_PAID_BY] * pay.size(1) + [D.REL_PAID_TO] * pay.size(1) + [D.REL_DEVICE] * 2
    )
    g = torch.Generator().manual_seed(3)
    data = Data(x=torch.randn(12, 3, generator=g), edge_index=edge_index, edge_type=edge_type)
    data.num_nodes = 12
    return data


def _csrs(data: Data) -> list[S.RelationCSR]:
    return S.relation_csr(data.edge_index, data.edge_type, data.num_nodes, D.NUM_RELATIONS)


def _edges(batch: S.Batch, r: int) -> set[tuple[int, int]]:
    """Relation r's sampled edges of a batch as (src, dst) in the sampled graph's ids."""
    coo = batch.adjs[r].to_sparse_coo().indices()
    return {(int(batch.n_id[s]), int(batch.n_id[d])) for d, s in coo.T.tolist()}


def test_sampler_draws_at_most_fanout_distinct_real_neighbours_per_relation():
    """Node 0 has 8 senders: with fan-out 3 it gets 3 distinct ones of them, and every
    sampled edge is an edge of the graph."""
    data = _star()
    sampler = S.NeighbourSampler(_csrs(data), [3, 2])
    batch = sampler.sample(torch.tensor([0]), torch.Generator().manual_seed(0))
    paid_by = _edges(batch, D.REL_PAID_BY)
    into_zero = [s for s, d in paid_by if d == 0]
    assert len(into_zero) == 3 and len(set(into_zero)) == 3
    assert set(into_zero) <= set(range(1, 9))
    real = {(s, d) for s, d in data.edge_index.T.tolist()}
    for r in range(D.NUM_RELATIONS):
        assert _edges(batch, r) <= real
        assert all(sum(1 for _, d in _edges(batch, r) if d == v) <= 3 for v in range(12))
    assert int(batch.n_id[0]) == 0 and batch.size == 1
    assert len(set(batch.n_id.tolist())) == batch.n_id.numel()


def test_sampler_is_deterministic_for_a_seed_and_varies_with_it():
    """The same generator seed gives the same batch; other seeds give other draws."""
    data = _star()
    sampler = S.NeighbourSampler(_csrs(data), [2, 2])
    seeds = torch.tensor([0, 5])

    def draw(seed: int) -> tuple[list[int], set[tuple[int, int]]]:
        batch = sampler.sample(seeds, torch.Generator().manual_seed(seed))
        return batch.n_id.tolist(), _edges(batch, D.REL_PAID_BY)

    assert draw(11) == draw(11)
    assert len({str(draw(s)) for s in range(8)}) > 1


def test_sampled_and_full_batch_inference_agree_when_fanout_covers_every_degree():
    """With fan-outs of at least the largest degree the seeds' outputs on their sampled
    subgraph equal the full-batch ones, and layer-wise inference equals both."""
    data = _star()
    T.seed_everything(0)
    model = MuleSAGE(3, hidden_channels=8).eval()
    full = model(data.x, D.relation_adjacency(data))
    sampler = S.NeighbourSampler(_csrs(data), [8, 8])
    seeds = torch.tensor([0, 1, 11])
    batch = sampler.sample(seeds, torch.Generator().manual_seed(0))
    sampled = model(data.x[batch.n_id], batch.adjs)[: batch.size]
    assert torch.allclose(sampled, full[seeds], atol=1e-6)
    layerwise = S.layerwise_predict(model, data.x, _csrs(data), chunk=5)
    assert torch.allclose(layerwise, full, atol=1e-6)


def _split_graph() -> tuple[Data, torch.Tensor]:
    """The star with labels and a split: nodes 2, 7 and 10 are test nodes."""
    data = _star()
    data.y = torch.tensor([1.0, 1.0] + [0.0] * 10)
    test = torch.zeros(12, dtype=torch.bool)
    test[[2, 7, 10]] = True
    data.train_mask = ~test
    data.test_mask = test
    data.val_mask = torch.zeros(12, dtype=torch.bool)
    data.val_mask[[4, 9]] = True
    data.y[9] = 1.0
    data.weight = torch.ones(12)
    return data, test


def test_no_batch_reaches_a_test_node():
    """Every node of every sampled batch of the training graph is a training node."""
    data, test = _split_graph()
    data.original = torch.arange(12)
    graph = D.training_graph(data)
    sampler = S.NeighbourSampler(_csrs(graph), [-1, -1])
    seen: set[int] = set()
    for seed in range(5):
        for seeds in torch.arange(graph.num_nodes).split(3):
            batch = sampler.sample(seeds, torch.Generator().manual_seed(seed))
            seen |= set(graph.original[batch.n_id].tolist())
    assert seen == set(torch.nonzero(~test).view(-1).tolist())


def test_sampled_training_never_reads_test_nodes_features_edges_or_labels():
    """Sampled training gives bit-identical weights whether test nodes carry their real
    features, labels and edges or NaN features, flipped labels and extra edges into the
    training nodes: nothing of a test node reaches a training step."""
    config = T.TrainConfig(sampling="sampled", sampled_epochs=3, batch_size=4, hidden=8, seed=5)

    def train(data: Data) -> dict[str, torch.Tensor]:
        T.seed_everything(5)
        model = T.make_sage(3, config)
        T.fit(model, D.training_graph(data), config)
        return model.state_dict()

    clean, test = _split_graph()
    dirty, _ = _split_graph()
    dirty.x[test] = float("nan")
    dirty.y[test] = 1.0 - dirty.y[test]
    extra = torch.tensor([[2, 7, 10, 2], [0, 1, 3, 11]])
    dirty.edge_index = torch.cat([dirty.edge_index, extra, extra.flip(0)], dim=1)
    dirty.edge_type = torch.cat([dirty.edge_type, torch.tensor([D.REL_PAID_BY] * 4 + [2] * 4)])
    a, b = train(clean), train(dirty)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert all(torch.isfinite(v).all() for v in a.values())


def test_sampled_training_lowers_the_loss_and_ranks_the_mules_first():
    """Mini-batch training on a two-mule graph learns: loss falls, mules score highest."""
    data = _star()
    data.x = torch.zeros(12, 3)
    data.x[[0, 1], 0] = 1.0
    data.y = torch.tensor([1.0, 1.0] + [0.0] * 10)
    data.train_mask = torch.ones(12, dtype=torch.bool)
    data.val_mask = torch.zeros(12, dtype=torch.bool)
    config = T.TrainConfig(
        sampling="sampled", sampled_epochs=40, batch_size=4, sampled_lr=0.05, hidden=8
    )
    T.seed_everything(0)
    model = T.make_sage(3, config)
    result = T.fit(model, data, config)
    assert result.losses[-1] < 0.5 * result.losses[0]
    scores = T.predict(model, data, layerwise=True)
    assert scores[:2].min() > scores[2:].max()


def test_auto_sampling_switches_above_the_node_threshold():
    """'auto' trains full-batch up to FULL_BATCH_MAX_NODES nodes and sampled above."""
    limit = T.FULL_BATCH_MAX_NODES
    assert not T.uses_sampling(limit, "auto") and T.uses_sampling(limit + 1, "auto")
    assert T.uses_sampling(10, "sampled") and not T.uses_sampling(limit + 1, "full")
