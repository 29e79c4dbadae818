"""The Runs page (streamlit AppTest, against the real Neo4j for its detection-run read) shows
the GNN's model history from ``<models>/history.jsonl``: each promote/keep decision with its
reason, and a warning when the latest run's drift report has a feature above the PSI
threshold."""

from __future__ import annotations

import json
import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import security, sessions
from gnn import promote
from ringwatch.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

MAIN = str(PROJECT_ROOT / "app" / "main.py")


def test_runs_page_shows_decisions_and_drift_warning(gateway, tmp_path, monkeypatch):
    """Two training runs (promoted, then kept with its reason) and a scoring run whose
    feature pass_through_24h has PSI 0.31: the history table lists all three, newest
    first, and a warning names the drifted feature."""
    models = tmp_path / "models"
    runs = [
        {"kind": "train", "version": "v1", "promoted": True, "reason": "no current model",
         "new_val_auc_pr": 0.41, "drift": {"psi": {"n_keys": 0.0}, "max_psi": 0.0,
                                            "drifted": [], "against": "v1"}},
        {"kind": "train", "version": "v2", "promoted": False,
         "reason": "kept v1: validation AUC-PR 0.3000 is worse than its 0.4100",
         "new_val_auc_pr": 0.30, "current_val_auc_pr": 0.41},
        {"kind": "score", "version": "v1", "accounts": 20000,
         "drift": {"psi": {"n_keys": 0.01, "pass_through_24h": 0.31}, "max_psi": 0.31,
                   "drifted": ["pass_through_24h"], "threshold": 0.2, "against": "v1",
                   "flagged_share": 0.012}},
    ]  # fmt: skip
    for run in runs:
        promote.record(models, run)
    users = tmp_path / "users.toml"
    security.add_user(users, "ines", "investigator", "right-password")
    monkeypatch.setattr(
        sys, "argv", ["main.py", "--users-file", str(users), "--models-dir", str(models)]
    )
    st.cache_resource.clear()
    at = AppTest.from_file(MAIN)
    at.session_state["session_token"] = sessions.store(1800, 43200).open("ines")
    at.switch_page("views/runs.py")
    at = at.run(timeout=60)
    assert not at.exception
    assert any("pass_through_24h" in w.value and "PSI above 0.2" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert table["kind"].tolist() == ["score", "train", "train"]
    assert table["decision"].tolist() == ["", "kept current", "promoted"]
    assert "worse than its 0.4100" in table["reason"].iloc[1]
    assert json.loads((models / promote.HISTORY).read_text().splitlines()[0])["version"] == "v1"
    st.cache_resource.clear()
