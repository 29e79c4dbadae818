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
from typing import Any

from decide.expr import window_key

DAY = timedelta(hours=24)
YOUNG_ACCOUNT_DAYS = 30  # receivers younger than this have their distinct senders counted
NIGHT_STARTS, NIGHT_ENDS = 20, 6  # Pix night period, Brasília time
NIGHT_LIMIT_CENTS = 100_000  # R$ 1,000.00 per night period for individuals
REJECTED = "rejeitada"


@dataclass(frozen=True)
class Transfer:
    """One Pix transfer as the engine sees it (a validated transacoes_pix row)."""

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

    def record(self, transfer: Transfer) -> None:
        """Remember a decided transfer: the sender's window and the receiver's senders.
        A transfer already recorded (a replay) changes nothing; a rejected one moved no
        money and is not counted."""
        if transfer.status == REJECTED:
            return
        sender_id, receiver_id = self.owner(transfer.key_from), self.owner(transfer.key_to)
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
    transfer: Transfer, state: State, windows: frozenset[tuple[str, int]] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Everything a rule may read about ``transfer`` (see ``decide.facts.FIELDS``); reads the
    state, changes nothing. ``windows`` are the sender windows the rules use."""
    t = transfer.time
    sender_id, receiver_id = state.owner(transfer.key_from), state.owner(transfer.key_to)
    sender = state.accounts.get(sender_id) if sender_id else None
    receiver = state.accounts.get(receiver_id) if receiver_id else None
    night = t.hour >= NIGHT_STARTS or t.hour < NIGHT_ENDS
    return {
        "transfer": {
            "id": transfer.id,
            "amount": transfer.cents / 100,
            "hour": t.hour,
            "minute_of_day": t.hour * 60 + t.minute,
            "night": night,
            "type": transfer.type,
            "status": transfer.status,
            "same_account": sender_id is not None and sender_id == receiver_id,
        },
        "sender": _sender_facts(transfer, state, sender_id, sender, night, windows),
        "receiver": _receiver_facts(transfer, state, receiver_id, receiver, sender_id),
        "model": {
            "version": state.caches.model.version,
            "threshold": state.caches.model.threshold,
        },
    }


def night_start(t: datetime) -> datetime:
    """When the night period holding ``t`` began (20:00 of that day or of the day before)."""
    evening = t.replace(hour=NIGHT_STARTS, minute=0, second=0, microsecond=0)
    return evening if t.hour >= NIGHT_STARTS else evening - DAY


def _sender_facts(
    transfer: Transfer,
    state: State,
    sender_id: str | None,
    sender: Account | None,
    night: bool,
    windows: frozenset[tuple[str, int]],
) -> dict[str, Any]:
    t = transfer.time
    if sender_id is None:
        return {"known": False}
    if sender is None:
        sender = Account()
    sent = sender.sent
    if any(entry[2] == transfer.id for entry in sent):  # a replay is not its own history
        sent = [entry for entry in sent if entry[2] != transfer.id]
    end = bisect.bisect_right(sent, t, key=_at)  # entries up to this transfer's time

    def total(since: datetime) -> float:
        start = bisect.bisect_left(sent, since, key=_at, hi=end)
        return sum(entry[1] for entry in sent[start:end]) / 100

    out: dict[str, Any] = {
        "known": True,
        "id": sender_id,
        "individual": sender.individual,
        "age_days": _days(sender.opened, t),
        "night_limit": NIGHT_LIMIT_CENTS / 100 if sender.individual else None,
        "night_total": total(night_start(t)) if night else 0.0,
        "daily_limit": sender.daily_limit,
        "per_transfer_limit": sender.per_transfer_limit,
        "day_total": total(t - DAY),
        "device": None,
        "device_age_hours": None,
        "device_new": None,
        "new_device_total": None,
    }
    if sender.login_device is not None and sender.login_at is not None and sender.login_at <= t:
        registered = state.devices.get((sender_id, sender.login_device))
        out["device"] = sender.login_device
        if registered is not None:
            age = (t - registered).total_seconds() / 3600
            out["device_age_hours"] = round(age, 3)
            out["device_new"] = age < 24
            out["new_device_total"] = total(registered) if age < 24 else 0.0
    for function, minutes in windows:
        start = bisect.bisect_left(sent, t - _minutes(minutes), key=_at, hi=end)
        if function == "transfers_last":
            value: float = end - start + 1  # this transfer included
        else:
            value = (sum(e[1] for e in sent[start:end]) + transfer.cents) / 100
        out[window_key(function, minutes)] = value
    return out


def _receiver_facts(
    transfer: Transfer,
    state: State,
    receiver_id: str | None,
    receiver: Account | None,
    sender_id: str | None,
) -> dict[str, Any]:
    if receiver_id is None:
        return {"known": False}
    if receiver is None:
        receiver = Account()
    caches = state.caches
    ring = caches.rings.get(receiver_id)
    distinct: int | None = None
    if _young(receiver, transfer.time):
        senders = receiver.senders or set()
        distinct = len(senders) + (sender_id is not None and sender_id not in senders)
    return {
        "known": True,
        "id": receiver_id,
        "individual": receiver.individual,
        "age_days": _days(receiver.opened, transfer.time),
        "ring_id": ring.ring_id if ring else None,
        "ring_status": ring.status if ring else None,
        "ring_kind": ring.kind if ring else None,
        "gnn_score": caches.scores.get(receiver_id),
        "confirmed_frauds_received": caches.frauds.get(receiver_id, 0),
        "distinct_senders": distinct,
    }


@functools.cache
def _minutes(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def _at(entry: tuple[datetime, int, str]) -> datetime:
    return entry[0]


def _young(account: Account, at: datetime) -> bool:
    return account.opened is not None and at - account.opened < timedelta(days=YOUNG_ACCOUNT_DAYS)


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
