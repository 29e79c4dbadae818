"""The engine's memory: who owns each Pix key, each account's recent transfers, devices and
logins, and the cached ring memberships, scores and fraud history. Pure data and pure
functions: the Kafka loop (``decide.runner``) and the rebuild from Neo4j
(``decide.rebuild``) feed it, ``facts_of`` reads it for one transfer without changing it.

Times are Brasília local time (naive ``datetime``), event time: "24 hours before" means 24
hours before the transfer's own timestamp, so a replay of history decides as it would have
live. Amounts are kept in whole centavos, so R$ 1,000.00 and R$ 1,000.01 never blur.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from decide.expr import window_key
from decide.facts import EVERY

DAY = timedelta(hours=24)
YOUNG_ACCOUNT_DAYS = 30  # receivers younger than this have their distinct senders counted
NIGHT_STARTS, NIGHT_ENDS = 20, 6  # Pix night period, Brasília time
NIGHT_LIMIT_CENTS = 100_000  # R$ 1,000.00 per night period for individuals
REJECTED = "rejeitada"


class Transfer(NamedTuple):
    """One Pix transfer as the engine sees it (a validated transacoes_pix row). Immutable;
    a named tuple rather than a frozen dataclass, which sets each field through
    ``object.__setattr__`` and so costs about 2 µs more per transfer."""

    id: str
    time: datetime
    cents: int
    key_from: str
    key_to: str
    type: str = "transferencia"
    status: str = "concluida"

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Transfer:
        """From a row validated by ``ingest.validate`` (timestamp text, valor a number)."""
        return cls(
            id=str(row["id_transacao"]),
            time=datetime.fromisoformat(str(row["timestamp"])),
            cents=round(float(row["valor"]) * 100),
            key_from=str(row["chave_pix_origem"]),
            key_to=str(row["chave_pix_destino"]),
            type=str(row.get("tipo_transacao") or "transferencia"),
            status=str(row.get("status") or "concluida"),
        )


@dataclass(frozen=True)
class Membership:
    ring_id: str
    status: str
    kind: str
    score: float = 0.0


@dataclass(frozen=True)
class ModelInfo:
    version: str | None = None
    threshold: float | None = None


@dataclass
class Account:
    """What the engine keeps per account."""

    opened: datetime | None = None
    individual: bool | None = None
    daily_limit: float | None = None
    per_transfer_limit: float | None = None
    login_at: datetime | None = None  # last successful login
    login_device: str | None = None
    # (time, centavos, transfer id) of recent transfers sent, by time
    sent: list[tuple[datetime, int, str]] = field(default_factory=list)
    senders: set[str] | None = None  # distinct senders, kept while the account is young


@dataclass
class Caches:
    """Slow-changing facts read from Neo4j and swapped whole on refresh."""

    rings: dict[str, Membership] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    frauds: dict[str, int] = field(default_factory=dict)  # confirmed cases received
    model: ModelInfo = field(default_factory=ModelInfo)


@dataclass
class State:
    keys: dict[str, str] = field(default_factory=dict)  # Pix key -> holder document
    by_document: dict[str, str] = field(default_factory=dict)  # document -> id_usuario
    accounts: dict[str, Account] = field(default_factory=dict)
    devices: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (user, device)
    caches: Caches = field(default_factory=Caches)
    history: timedelta = DAY  # how long sent transfers are kept (the longest window)

    def account(self, id_usuario: str) -> Account:
        found = self.accounts.get(id_usuario)
        if found is None:
            found = self.accounts[id_usuario] = Account()
        return found

    def owner(self, key: str) -> str | None:
        """The account behind a Pix key: key -> holder document -> account."""
        document = self.keys.get(key)
        if document is None:
            return None
        return self.by_document.get(document)

    # -- updates from the context topics (validated rows of each dataset) --

    def apply(self, dataset: str, row: Mapping[str, Any]) -> None:
        """Take in one validated row of a context dataset (others are ignored)."""
        if dataset == "usuarios":
            document = str(row["cpf_cnpj"])
            self.by_document[document] = str(row["id_usuario"])
            account = self.account(str(row["id_usuario"]))
            account.opened = to_time(row.get("data_cadastro")) or account.opened
            account.individual = len(document) == 11
        elif dataset == "chaves_pix":
            self.keys[str(row["chave_pix"])] = str(row["cpf_cnpj"])
        elif dataset == "limites_transacoes":
            account = self.account(str(row["id_usuario"]))
            account.daily_limit = float(row["limite_diario"])
            account.per_transfer_limit = float(row["limite_por_transacao"])
        elif dataset == "dispositivos":
            self.register_device(
                str(row["id_usuario"]), str(row["id_dispositivo"]), to_time(row["data_registro"])
            )
        elif dataset == "log_autenticacao" and row.get("status") == "sucesso":
            self.login(
                str(row["id_usuario"]), str(row["id_dispositivo"]), to_time(row["timestamp"])
            )

    def register_device(self, user: str, device: str, at: datetime | None) -> None:
        if at is None:
            return
        known = self.devices.get((user, device))
        if known is None or at < known:
            self.devices[(user, device)] = at

    def login(self, user: str, device: str, at: datetime | None) -> None:
        account = self.account(user)
        if at is not None and (account.login_at is None or at >= account.login_at):
            account.login_at, account.login_device = at, device

    def record(
        self, transfer: Transfer, owners: tuple[str | None, str | None] | None = None
    ) -> None:
        """Remember a decided transfer: the sender's window and the receiver's senders.
        A transfer already recorded (a replay) changes nothing; a rejected one moved no
        money and is not counted. ``owners`` are the (sender, receiver) accounts of its
        keys when the caller has just looked them up (its decision's), unchanged since."""
        if transfer.status == REJECTED:
            return
        if owners is None:
            owners = self.owner(transfer.key_from), self.owner(transfer.key_to)
        sender_id, receiver_id = owners
        if sender_id is not None:
            self.remember_sent(sender_id, transfer.time, transfer.cents, transfer.id)
        if receiver_id is not None and sender_id is not None:
            self.remember_sender(receiver_id, sender_id, transfer.time)

    def remember_sent(self, sender_id: str, at: datetime, cents: int, transfer_id: str) -> None:
        sent = self.account(sender_id).sent
        start = bisect.bisect_left(sent, at - self.history, key=_at)
        if start:
            del sent[:start]
        if any(entry[2] == transfer_id for entry in sent):
            return
        bisect.insort(sent, (at, cents, transfer_id), key=_at)

    def remember_sender(self, receiver_id: str, sender_id: str, at: datetime) -> None:
        receiver = self.account(receiver_id)
        if not _young(receiver, at):
            receiver.senders = None
            return
        if receiver.senders is None:
            receiver.senders = set()
        receiver.senders.add(sender_id)


def facts_of(
    transfer: Transfer,
    state: State,
    windows: frozenset[tuple[str, int]] = frozenset(),
    reads: Mapping[str, frozenset[str]] = EVERY,
) -> dict[str, dict[str, Any]]:
    """What rules may read about ``transfer`` (see ``decide.facts.FIELDS``); reads the state,
    changes nothing. ``windows`` are the sender windows the rules use; ``reads`` (root ->
    names, ``RuleSet.reads``) the fields to compute, every one by default. A field left out
    is absent, and the fields computed have the values they have when all are."""
    t = transfer.time
    sender_id, receiver_id = state.owner(transfer.key_from), state.owner(transfer.key_to)
    sender = state.accounts.get(sender_id) if sender_id else None
    receiver = state.accounts.get(receiver_id) if receiver_id else None
    night = t.hour >= NIGHT_STARTS or t.hour < NIGHT_ENDS
    want = reads["transfer"]
    facts: dict[str, Any] = {}
    if "id" in want:
        facts["id"] = transfer.id
    if "amount" in want:
        facts["amount"] = transfer.cents / 100
    if "hour" in want:
        facts["hour"] = t.hour
    if "minute_of_day" in want:
        facts["minute_of_day"] = t.hour * 60 + t.minute
    if "night" in want:
        facts["night"] = night
    if "type" in want:
        facts["type"] = transfer.type
    if "status" in want:
        facts["status"] = transfer.status
    if "same_account" in want:
        facts["same_account"] = sender_id is not None and sender_id == receiver_id
    want = reads["model"]
    model: dict[str, Any] = {}
    if "version" in want:
        model["version"] = state.caches.model.version
    if "threshold" in want:
        model["threshold"] = state.caches.model.threshold
    return {
        "transfer": facts,
        "sender": _sender_facts(transfer, state, sender_id, sender, night, windows, reads),
        "receiver": _receiver_facts(transfer, state, receiver_id, receiver, sender_id, reads),
        "model": model,
    }


def night_start(t: datetime) -> datetime:
    """When the night period holding ``t`` began (20:00 of that day or of the day before)."""
    evening = t.replace(hour=NIGHT_STARTS, minute=0, second=0, microsecond=0)
    return evening if t.hour >= NIGHT_STARTS else evening - DAY


_DEVICE = frozenset({"device", "device_age_hours", "device_new", "new_device_total"})


def _sender_facts(
    transfer: Transfer,
    state: State,
    sender_id: str | None,
    sender: Account | None,
    night: bool,
    windows: frozenset[tuple[str, int]],
    reads: Mapping[str, frozenset[str]],
) -> dict[str, Any]:
    t = transfer.time
    if sender_id is None:
        return {"known": False}
    if sender is None:
        sender = Account()
    want = reads["sender"]
    sent = sender.sent
    if sent and any(entry[2] == transfer.id for entry in sent):  # a replay is not its history
        sent = [entry for entry in sent if entry[2] != transfer.id]
    end = bisect.bisect_right(sent, t, key=_at) if sent else 0  # entries up to this transfer

    def total(since: datetime) -> float:
        if not end:
            return 0.0
        start = bisect.bisect_left(sent, since, key=_at, hi=end)
        return sum(entry[1] for entry in sent[start:end]) / 100

    out: dict[str, Any] = {"known": True, "id": sender_id}
    if "individual" in want:
        out["individual"] = sender.individual
    if "age_days" in want:
        out["age_days"] = _days(sender.opened, t)
    if "night_limit" in want:
        out["night_limit"] = NIGHT_LIMIT_CENTS / 100 if sender.individual else None
    if "night_total" in want:
        out["night_total"] = total(night_start(t)) if night else 0.0
    if "daily_limit" in want:
        out["daily_limit"] = sender.daily_limit
    if "per_transfer_limit" in want:
        out["per_transfer_limit"] = sender.per_transfer_limit
    if "day_total" in want:
        out["day_total"] = total(t - DAY)
    if not want.isdisjoint(_DEVICE):
        out["device"] = out["device_age_hours"] = None
        out["device_new"] = out["new_device_total"] = None
        device, login_at = sender.login_device, sender.login_at
        if device is not None and login_at is not None and login_at <= t:
            registered = state.devices.get((sender_id, device))
            out["device"] = device
            if registered is not None:
                age = (t - registered).total_seconds() / 3600
                out["device_age_hours"] = round(age, 3)
                out["device_new"] = age < 24
                out["new_device_total"] = total(registered) if age < 24 else 0.0
    for function, minutes in windows:
        start = bisect.bisect_left(sent, t - _minutes(minutes), key=_at, hi=end) if end else 0
        if function == "transfers_last":
            value: float = end - start + 1  # this transfer included
        else:
            value = (sum(e[1] for e in sent[start:end]) + transfer.cents) / 100
        out[window_key(function, minutes)] = value
    return out


_RING = frozenset({"ring_id", "ring_status", "ring_kind"})


def _receiver_facts(
    transfer: Transfer,
    state: State,
    receiver_id: str | None,
    receiver: Account | None,
    sender_id: str | None,
    reads: Mapping[str, frozenset[str]],
) -> dict[str, Any]:
    if receiver_id is None:
        return {"known": False}
    if receiver is None:
        receiver = Account()
    want = reads["receiver"]
    caches = state.caches
    out: dict[str, Any] = {"known": True, "id": receiver_id}
    if "individual" in want:
        out["individual"] = receiver.individual
    if "age_days" in want:
        out["age_days"] = _days(receiver.opened, transfer.time)
    if not want.isdisjoint(_RING):
        ring = caches.rings.get(receiver_id)
        out["ring_id"] = ring.ring_id if ring else None
        out["ring_status"] = ring.status if ring else None
        out["ring_kind"] = ring.kind if ring else None
    if "gnn_score" in want:
        out["gnn_score"] = caches.scores.get(receiver_id)
    if "confirmed_frauds_received" in want:
        out["confirmed_frauds_received"] = caches.frauds.get(receiver_id, 0)
    if "distinct_senders" in want:
        distinct: int | None = None
        if _young(receiver, transfer.time):
            senders = receiver.senders or set()
            distinct = len(senders) + (sender_id is not None and sender_id not in senders)
        out["distinct_senders"] = distinct
    return out


@functools.cache
def _minutes(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def _at(entry: tuple[datetime, int, str]) -> datetime:
    return entry[0]


_YOUNG = timedelta(days=YOUNG_ACCOUNT_DAYS)


def _young(account: Account, at: datetime) -> bool:
    return account.opened is not None and at - account.opened < _YOUNG


def _days(opened: datetime | None, at: datetime) -> float | None:
    if opened is None:
        return None
    return round((at - opened).total_seconds() / 86400, 3)


def to_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "to_native"):  # a neo4j DateTime / LocalDateTime
        native: datetime = value.to_native()
        return native.replace(tzinfo=None)
    return datetime.fromisoformat(str(value))
