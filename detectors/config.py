"""Every threshold ring detection uses, with its documented default.

One frozen dataclass, passed to every detector. Defaults were chosen by looking at aggregate
benchmark results (bench/detect.py), never at individual planted rings; docs/detection.md
explains each one. ``replace`` a field to try another value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ringwatch import textvalues
from ringwatch.errors import RingwatchError


@dataclass(frozen=True)
class DetectionConfig:
    """Thresholds of the detectors, ring assembly, scoring and stable ids."""

    # Time windows: each window holds `window_days` of transfers (0 = all history in one
    # window). A run covers the last `history_days` before the newest transfer (0 = all
    # history loaded) with windows that overlap by `trace_max_days`, so a ring that straddles
    # two windows is whole in one of them; rings found in several windows are reported once.
    window_days: int = 120
    history_days: int = 0

    # Pass-through episodes: an account's transfers grouped while gaps stay below
    # `episode_gap_hours`; an episode that starts with money coming in, lasts at most
    # `episode_max_hours`, receives at least `relay_min_amount` (R$) and sends out between
    # `relay_min_ratio` and `relay_max_ratio` of it is a pass-through ("relay") episode.
    episode_gap_hours: float = 6.0
    episode_max_hours: float = 24.0
    relay_min_amount: float = 50.0
    relay_min_ratio: float = 0.6
    relay_max_ratio: float = 1.05
    # A company's pass-through episodes count only when at most `relay_max_class_share` of
    # the companies have as many: paying suppliers the day customers pay is usual for a
    # company (people are not judged this way: relaying is a mule's signature).
    relay_max_class_share: float = 0.02
    # A non-relaying receiver of relayed money is a "sink" when it gets relayed money from at
    # least `sink_min_senders` relays and relayed money is at least `sink_min_share` of all
    # it received (a shop paid by two mules among hundreds of customers is not a sink).
    sink_min_senders: int = 2
    sink_min_share: float = 0.3

    # Fan-in / fan-out: at least `fan_min_counterparties` distinct senders (receivers) within
    # `fan_window_hours`; a fan-out counts only when at least `fan_out_relay_share` of its
    # receivers pass the money on (payroll employees do not).
    fan_min_counterparties: int = 5
    fan_window_hours: float = 24.0
    fan_out_relay_share: float = 0.5

    # Chains and cycles: consecutive hops at most `hop_max_hours` apart, each passing on
    # between `hop_min_ratio` and `hop_max_ratio` of the previous amount.
    hop_max_hours: float = 6.0
    hop_min_ratio: float = 0.7
    hop_max_ratio: float = 1.02
    chain_min_hops: int = 3
    chain_max_hops: int = 5
    cycle_max_hops: int = 6

    # Scatter-gather: one source pays >= `scatter_min_middles` accounts that each pay the same
    # sink within `scatter_window_hours` of being paid.
    scatter_min_middles: int = 3
    scatter_window_hours: float = 24.0

    # Account takeover / drains: an account that sends >= `drain_min_transfers` transfers to
    # relays within `drain_window_hours`; a takeover login is >= `takeover_min_failures`
    # failed logins followed by success on a device new to the account.
    drain_min_transfers: int = 3
    drain_window_hours: float = 3.0
    takeover_min_failures: int = 2

    # Shared identifiers: an identifier held by more accounts than its kind's cap is a hub
    # (an office or carrier IP, a shop's tablet) and links nobody. Ordinary phones, e-mails and
    # devices serve at most a family; IPs are shared more widely.
    device_cap: int = 20
    ip_cap: int = 10
    phone_cap: int = 6
    email_cap: int = 6
    linked_min_size: int = 3

    # Ring assembly: components of the suspicious-transfer graph with `min_ring_size` ..
    # `max_ring_size` members; larger ones are split by Leiden (GDS) with `leiden_gamma`.
    min_ring_size: int = 3
    max_ring_size: int = 60
    leiden_gamma: float = 1.0
    random_seed: int = 42

    # Scoring: rings scoring below `min_score` (0..1) are not reported; linked-account
    # clusters below `min_linked_score` neither. "New" accounts are younger than
    # `new_account_days` at their first transfer in the window; confirmed fraud counts within
    # `fraud_hops` transfers of a member, never walking through an account with more than
    # `fraud_hub_degree` counterparties.
    min_score: float = 0.4
    min_linked_score: float = 0.35
    new_account_days: int = 45
    fraud_hops: int = 2
    fraud_hub_degree: int = 50
    # Score factors of the fast-Pix rings, each a ramp from 0 to 1: relaying is full at
    # `score_episodes_per_member` pass-through episodes per member; speed is 1 when money
    # moves on within `score_fast_delay_minutes` (median) and 0 at `score_slow_delay_minutes`
    # or slower; pass-through is 0 when members send on `score_pass_through_low` of what they
    # receive and 1 at `score_pass_through_high`; outside senders are full at
    # `score_senders_per_member` per member. Accounts older than `old_account_days` at the
    # ring's first transfer count as established accounts in the reasons.
    score_episodes_per_member: float = 2.0
    score_fast_delay_minutes: float = 60.0
    score_slow_delay_minutes: float = 720.0
    score_pass_through_low: float = 0.6
    score_pass_through_high: float = 0.9
    score_senders_per_member: float = 2.0
    old_account_days: int = 365

    # Timescale-free detectors (docs/detection.md, "Rings at any speed"). They work on one-off
    # transfers: the only transfer ever between two accounts.
    # Novelty bursts: an account's busiest window, for each length in `novelty_windows_days`,
    # of one-off counterparties; a candidate when at least `novelty_min_counterparties` and
    # its surprise against the account's own baseline (-log10 p) is at least
    # `novelty_min_surprise`. An account's expected pace starts from the accounts of its own
    # activity class: the `novelty_prior_bins` quantile bins of ordinary counterparties (those
    # it deals with more than once).
    novelty_windows_days: tuple[float, ...] = (1.0, 7.0, 30.0)
    novelty_min_counterparties: int = 3
    novelty_min_surprise: float = 3.0
    novelty_prior_bins: int = 4
    # Two-hop structures: an origin reaching one beneficiary through >= `twohop_min_middles`
    # distinct middles; middles (and cycle members) with more than `twohop_max_middle_degree`
    # counterparties are not walked through. Round trips have 3..`round_trip_max_hops` hops;
    # a one-off graph with more than `round_trip_max_paths` time-ordered partial paths gives
    # none (round trips happen by chance there).
    twohop_min_middles: int = 2
    # Flow conservation on a two-hop leg: the middle passes on `flow_min_ratio` ..
    # `flow_max_ratio` of what it received from the origin.
    flow_min_ratio: float = 0.5
    flow_max_ratio: float = 1.1
    twohop_max_middle_degree: int = 40
    round_trip_max_hops: int = 11
    round_trip_max_paths: int = 500_000
    # Money in, money out: an account that received >= `conservation_min_transfers` one-off
    # transfers in the `trace_max_days` before it sends as many, and sends on
    # `conservation_min_ratio` .. `conservation_max_ratio` of what it received.
    conservation_min_transfers: int = 2
    conservation_min_ratio: float = 0.8
    conservation_max_ratio: float = 1.0
    # ... and whose episode the account's own one-off pace elsewhere makes a chance of at most
    # `conservation_max_own_p` (a shop meets strangers all year; a collector in the episode).
    conservation_max_own_p: float = 0.001
    # Seeded tracing from confirmed cases: `trace_hops` transfers forward and backward within
    # `trace_max_days` of the seed (also the longest span of a round trip or two-hop path),
    # over pairs of accounts with at most `trace_max_pair_transfers` transfers between them,
    # never through accounts with more than `trace_max_degree` counterparties; PageRank restart
    # probability `trace_alpha`; a cut whose conductance exceeds `trace_max_conductance` is
    # not a ring.
    trace_hops: int = 5
    trace_max_days: float = 45.0
    trace_max_degree: int = 40
    trace_max_pair_transfers: int = 2
    trace_alpha: float = 0.15
    trace_max_conductance: float = 0.5
    trace_null_seeds: int = 100
    # Null model: findings are weighed against `null_rewirings` copies of the one-off graph
    # with receivers shuffled; a finding whose strength (1 - estimated false-discovery rate)
    # is below `min_strength` is dropped.
    null_rewirings: int = 5
    min_strength: float = 0.5
    # The structures of the one-off graph and their null copies are computed in a forked
    # process on the second core while the hour-scale detectors run, when the one-off graph
    # has at least `background_min_one_offs` transfers (below that, forking costs more than
    # it saves; 0 always forks where the system can).
    background_min_one_offs: int = 20_000
    # A group of findings is a ring when its combined evidence, 1 - prod(1 - strength), is at
    # least `min_group_evidence` and it has at least `min_group_size` accounts (a pattern
    # among three accounts is too common among families to report on its own).
    min_group_evidence: float = 0.9
    min_group_size: int = 4
    # An account outside a group with a one-off transfer to or from a member joins the group
    # when its GNN score (`ringwatch score`, a rank: 0.99 = among the top 1% of accounts) is
    # at least `gnn_join_score`.
    gnn_join_score: float = 0.99

    # Stable ids: a new ring takes the id of the previous ring it overlaps most when their
    # member Jaccard similarity is at least `id_jaccard`.
    id_jaccard: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                continue
            if isinstance(value, int | float) and value < 0:
                raise RingwatchError(f"detection setting {f.name} must be >= 0, got {value}")
        if self.conservation_min_ratio > self.conservation_max_ratio:
            raise RingwatchError("conservation_min_ratio must not exceed conservation_max_ratio")
        if self.relay_min_ratio > self.relay_max_ratio:
            raise RingwatchError("relay_min_ratio must not exceed relay_max_ratio")
        if not 0 < self.id_jaccard <= 1:
            raise RingwatchError(f"id_jaccard must be within (0, 1], got {self.id_jaccard}")
        if self.window_days and self.window_days <= self.trace_max_days:
            raise RingwatchError(
                f"window_days ({self.window_days}) must exceed trace_max_days "
                f"({self.trace_max_days:g}): windows overlap by trace_max_days"
            )
        if not self.novelty_windows_days or min(self.novelty_windows_days) <= 0:
            raise RingwatchError("novelty_windows_days needs at least one length > 0 days")
        for name in ("trace_alpha",):
            if not 0 < getattr(self, name) < 1:
                raise RingwatchError(f"{name} must be within (0, 1), got {getattr(self, name)}")
        if self.score_fast_delay_minutes >= self.score_slow_delay_minutes:
            raise RingwatchError("score_fast_delay_minutes must be below score_slow_delay_minutes")
        if self.score_pass_through_low >= self.score_pass_through_high:
            raise RingwatchError("score_pass_through_low must be below score_pass_through_high")
        if self.min_ring_size < 2:
            raise RingwatchError("min_ring_size must be at least 2")

    def cap(self, kind: str) -> int:
        """Most accounts an identifier of this kind may link."""
        return int(getattr(self, f"{kind}_cap", self.ip_cap))

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (stored on each DetectionRun)."""
        return asdict(self)

    @classmethod
    def from_pairs(cls, pairs: list[str]) -> DetectionConfig:
        """Build from ``name=value`` strings (the CLI's ``--set``); values keep field types."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for pair in pairs:
            name, sep, raw = pair.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise RingwatchError(
                    f"--set {pair!r}: write name=value with a name from: {', '.join(known)}"
                )
            kind = type(getattr(cls(), name))
            read = {bool: textvalues.boolean, int: textvalues.integer, float: textvalues.number}
            try:
                if kind is tuple:
                    values[name] = tuple(textvalues.number(v) for v in raw.split(","))
                else:
                    values[name] = read.get(kind, kind)(raw)
            except ValueError as err:
                raise RingwatchError(f"--set {name}: {raw!r} is not valid: {err}") from None
        return cls(**values)
