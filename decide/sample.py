"""Rules over a dataset folder, without servers: what `ringwatch rules test` runs.

The state is built from the folder's own files the way the engine builds it from Kafka:
holders, keys, limits and devices first, then logins and transfers merged in time order
(a login counts for the transfers after it). Each transfer is decided, then recorded.
"""

from __future__ import annotations

from pathlib import Path

from decide.engine import Decision, decide
from decide.rules import RuleSet
from decide.state import State, Transfer
from ingest.produce import read_directory
from ingest.validate import validate
from ingest.writer import records
from ringwatch.errors import RingwatchError

STATIC = ("usuarios", "chaves_pix", "limites_transacoes", "dispositivos")


def decide_sample(directory: Path, rules: RuleSet, limit: int | None = None) -> list[Decision]:
    """Every transfer of ``directory`` (the first ``limit`` by time) decided by ``rules``."""
    frames = read_directory(directory)
    if "transacoes_pix" not in frames:
        raise RingwatchError(f"No transacoes_pix file in {directory}: nothing to decide.")
    state = State()
    for dataset in STATIC:
        if dataset in frames:
            for row in records(validate(dataset, frames[dataset]).valid):
                state.apply(dataset, row)
    logins = []
    if "log_autenticacao" in frames:
        logins = records(validate("log_autenticacao", frames["log_autenticacao"]).valid)
    transfers = records(validate("transacoes_pix", frames["transacoes_pix"]).valid)
    # Logins before transfers at the same second: a session starts with its login.
    events = sorted(
        [(str(r["timestamp"]), 0, i) for i, r in enumerate(logins)]
        + [(str(r["timestamp"]), 1, i) for i, r in enumerate(transfers)]
    )
    decisions: list[Decision] = []
    for _, kind, index in events:
        if kind == 0:
            state.apply("log_autenticacao", logins[index])
            continue
        transfer = Transfer.of_row(transfers[index])
        decisions.append(decide(transfer, state, rules))
        state.record(transfer)
        if limit is not None and len(decisions) >= limit:
            break
    return decisions
