"""The engine's offset commits: routine ones do not wait for the broker, the one when
stopping does; offsets the broker refused for a passing reason are committed again with the
next ones, and those refused after a rebalance are dropped (hand-written fake consumer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kafka.errors import CommitFailedError, NodeNotReadyError

from decide.alerts import Commits, Pending, RetryOffsets
from decide.kafka import KafkaPythonConsumer, commit_next_offsets_async
from decide.rules import DEFAULT_RULES, load_rules
from decide.runner import DecisionEngine
from decide.state import State
from ingest.topics import Topics

TOPICS = Topics("t")
TX = TOPICS.of("transacoes_pix")


class Consumer:
    """Records each commit as (how, {topic-partition: offset}); an asynchronous one is
    answered at once with ``answer`` (an exception, or None for success)."""

    def __init__(self, answer: Exception | None = None) -> None:
        self.answer = answer
        self.commits: list[tuple[str, dict[tuple[str, int], int]]] = []

    def commit(self, offsets: Mapping[Any, Any]) -> None:
        self.commits.append(("wait", _plain(offsets)))

    def commit_async(self, offsets: Mapping[Any, Any], callback: Any = None) -> None:
        self.commits.append(("async", _plain(offsets)))
        if callback is not None:
            callback(offsets, self.answer if self.answer is not None else object())

    def assignment(self) -> set[Any]:
        return set()


def _plain(offsets: Mapping[Any, Any]) -> dict[tuple[str, int], int]:
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def _done(offsets: dict[tuple[str, int], int]) -> Pending:
    batch = Pending(offsets, [], [])
    batch.written.set()
    return batch


def test_routine_commits_do_not_wait_and_the_last_one_does():
    """A batch settled during the run is committed asynchronously; one settled when the
    engine stops is committed and waited for."""
    consumer = Consumer()
    engine = DecisionEngine(
        None,  # type: ignore[arg-type]  # no Neo4j needed to commit
        KafkaPythonConsumer(consumer),
        None,
        TOPICS,
        load_rules(DEFAULT_RULES),
        State(),
        commit_every_s=0.2,
    )
    engine._commits.add(_done({(TX, 0): 3}))
    engine._commit_done(now=10.0)
    engine._commits.add(_done({(TX, 0): 5}))
    engine._commit_done(now=10.1)  # within commit_every_s: nothing yet
    engine._commit_done(now=10.1, force=True)
    assert consumer.commits == [("async", {(TX, 0): 3}), ("wait", {(TX, 0): 5})]


def test_offsets_refused_for_a_passing_reason_are_committed_with_the_next_ones():
    """A retriable refusal puts the offsets back; the next commit carries them, merged
    with newer offsets (the highest per partition)."""
    retry = RetryOffsets()
    commit_next_offsets_async(Consumer(NodeNotReadyError()), {(TX, 0): 3, (TX, 1): 7}, retry)
    commits = Commits()
    commits.add(_done({(TX, 0): 9}))
    commits.settle(lambda failed: None)
    commits.requeue(retry.take())
    assert commits.take()[0] == {(TX, 0): 9, (TX, 1): 7}
    assert retry.take() == {}


def test_offsets_refused_after_a_rebalance_are_dropped_and_success_keeps_nothing():
    """After a rebalance the partition's new owner re-reads the batches: nothing is kept
    for a retry; nor after a commit the broker accepted."""
    retry = RetryOffsets()
    commit_next_offsets_async(Consumer(CommitFailedError()), {(TX, 0): 3}, retry)
    commit_next_offsets_async(Consumer(), {(TX, 0): 4}, retry)
    assert retry.take() == {}
