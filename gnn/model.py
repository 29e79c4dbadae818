"""The mule models: a relational GraphSAGE over the account graph, and a features-only MLP
baseline with the same call signature so one training loop serves both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn import MLP, SAGEConv
from torch_geometric.nn.inits import reset


class MuleSAGE(torch.nn.Module):
    """GraphSAGE with one mean-aggregating SAGEConv per relation (paid by, paid to, shared
    device) summed with a shared root transform, then a linear head giving one logit."""

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 64,
        num_relations: int = 3,
        num_layers: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.num_relations = num_relations
        self.dropout = dropout
        self.lin_in = torch.nn.Linear(in_channels, hidden_channels)
        self.convs = torch.nn.ModuleList(
            torch.nn.ModuleList(
                SAGEConv(hidden_channels, hidden_channels, root_weight=False)
                for _ in range(num_relations)
            )
            for _ in range(num_layers)
        )
        self.roots = torch.nn.ModuleList(
            torch.nn.Linear(hidden_channels, hidden_channels) for _ in range(num_layers)
        )
        self.head = torch.nn.Linear(2 * hidden_channels, 1)

    def reset_parameters(self) -> None:
        self.lin_in.reset_parameters()
        for layer in self.convs:
            reset(layer)
        for root in self.roots:
            cast(torch.nn.Linear, root).reset_parameters()
        self.head.reset_parameters()

    def forward(self, x: Tensor, adjs: Sequence[Tensor]) -> Tensor:
        """``adjs[r]``: relation r as an edge_index [2, E] or a sparse adj_t [dst, src]."""
        h0 = F.relu(self.lin_in(x))
        h = h0
        for convs, root in zip(self.convs, self.roots, strict=True):
            out: Tensor = root(h)
            for conv, adj in zip(cast(torch.nn.ModuleList, convs), adjs, strict=True):
                out = out + conv(h, adj)
            h = F.dropout(F.relu(out), p=self.dropout, training=self.training)
        logits: Tensor = self.head(torch.cat([h0, h], dim=-1))
        return logits.view(-1)


class FeatureMLP(torch.nn.Module):
    """Features-only baseline: an MLP that ignores the edges it is given."""

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 64,
        num_layers: int = 3,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.mlp = MLP(
            in_channels=in_channels,
            hidden_channels=hidden_channels,
            out_channels=1,
            num_layers=num_layers,
            dropout=dropout,
            norm=None,
        )

    def reset_parameters(self) -> None:
        self.mlp.reset_parameters()

    def forward(self, x: Tensor, adjs: Sequence[Tensor] | None = None) -> Tensor:
        out: Tensor = self.mlp(x)
        return out.view(-1)
