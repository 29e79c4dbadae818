"""The Alerts page's tables, as pure functions of the stored queries' rows: the latest
alerts with links to their ring and accounts, and how often each rule fired."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import pandas as pd

from app import security
from app.security import User

ALERT_COLUMNS = [
    "decided_at",
    "decision",
    "score",
    "amount",
    "sender",
    "receiver",
    "ring",
    "rules",
    "reason",
    "transfer_id",
]


def ring_link(ring_id: object) -> str | None:
    """The app's URL of a ring's page (relative, so it works behind any host)."""
    return f"/ring?ring_id={quote(ring_id)}" if isinstance(ring_id, str) and ring_id else None


def account_link(account: object) -> str | None:
    """The app's URL of an account's page."""
    return f"/account?account={quote(account)}" if isinstance(account, str) and account else None


def alert_table(rows: list[dict[str, Any]], who: User) -> pd.DataFrame:
    """One row per alert, newest first as given: the ring and the accounts as links to their
    pages, the rules joined, the first reason masked for the role (reasons quote documents
    only when a rule says so, but the role decides what is shown)."""
    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    table = pd.DataFrame(rows)
    reasons = table["reasons"].map(lambda r: list(r or []))
    return pd.DataFrame(
        {
            "decided_at": pd.to_datetime(table["decided_at"].map(str), utc=True, format="ISO8601"),
            "decision": table["decision"],
            "score": table["score"].astype(float),
            "amount": table["amount"].astype(float),
            "sender": table["sender"].map(account_link),
            "receiver": table["receiver"].map(account_link),
            "ring": table["ring_id"].map(ring_link),
            "rules": table["rules"].map(lambda r: ", ".join(r or [])),
            "reason": reasons.map(
                lambda r: (
                    (r[0] if who.can("personal_data") else security.mask_text(r[0])) if r else ""
                )
            ),
            "transfer_id": table["transfer_id"],
        }
    )[ALERT_COLUMNS]


def rule_counts(
    counts: Iterable[Mapping[str, Any]], rules: Iterable[tuple[str, str, str]]
) -> pd.DataFrame:
    """How often each rule fired, by decision, with its description and severity: every rule
    of the file (0 when it never fired), then any rule id the alerts carry that the file no
    longer has (an older rules version). Sorted by alerts, most first."""
    known = pd.DataFrame(list(rules), columns=["rule", "description", "severity"])
    fired = pd.DataFrame(list(counts), columns=["rule", "decision", "alerts"])
    wide = (
        fired.pivot_table(index="rule", columns="decision", values="alerts", aggfunc="sum")
        .reindex(columns=["block", "review"])
        .fillna(0)
        .astype(int)
        .reset_index()
        if not fired.empty
        else pd.DataFrame(columns=["rule", "block", "review"])
    )
    table = known.merge(wide, on="rule", how="outer")
    table["description"] = table["description"].fillna("(not in the current rules file)")
    table["severity"] = table["severity"].fillna("-")
    table[["block", "review"]] = table[["block", "review"]].fillna(0).astype(int)
    table["alerts"] = table["block"] + table["review"]
    table = table.sort_values(["alerts", "rule"], ascending=[False, True], kind="stable")
    return table[["rule", "alerts", "block", "review", "severity", "description"]].reset_index(
        drop=True
    )
