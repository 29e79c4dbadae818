"""Headless page tests (streamlit AppTest): start-up refusal without users, the login gate,
and errors shown as messages when Neo4j cannot be reached. No services are needed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import security
from app.security import User
from ringwatch.settings import PROJECT_ROOT

MAIN = str(PROJECT_ROOT / "app" / "main.py")


@pytest.fixture
def app_env(monkeypatch, tmp_path):
    """Settings pointing at a closed port, and the script's argv naming a users file."""
    users_file = tmp_path / "users.toml"
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")
    monkeypatch.setenv("NEO4J_PASSWORD", "unused")
    monkeypatch.setenv("RINGWATCH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(sys, "argv", ["main.py", "--users-file", str(users_file)])
    st.cache_resource.clear()
    yield users_file
    st.cache_resource.clear()


def run(at: AppTest) -> AppTest:
    return at.run(timeout=60)


def signed_in(user: User) -> AppTest:
    """An app whose session is already signed in (AppTest keeps only page output on reruns,
    so the login form itself is driven by the browser tests)."""
    at = AppTest.from_file(MAIN)
    at.session_state["user"] = user
    return at


def test_without_users_file_the_app_refuses_and_says_how(app_env: Path):
    """No users file: the app shows how to create one and nothing else."""
    at = run(AppTest.from_file(MAIN))
    assert not at.exception
    assert "cannot start" in at.error[0].value
    assert "--add-user" in at.error[0].value
    assert len(at.text_input) == 0


def test_signed_out_sessions_see_only_the_login_form(app_env: Path):
    """With users configured, a new session gets the login form and no page content."""
    security.add_user(app_env, "ines", "investigator", "right-password")
    at = run(AppTest.from_file(MAIN))
    assert not at.exception
    assert [t.label for t in at.text_input] == ["User", "Password"]
    assert at.button[0].label == "Sign in"
    assert not at.dataframe and not at.error


def test_neo4j_down_is_a_message_not_a_traceback(app_env: Path):
    """Signed in with Neo4j unreachable, the queue page says so in one message."""
    security.add_user(app_env, "ines", "investigator", "right-password")
    at = run(signed_in(User("ines", "investigator")))
    assert not at.exception
    assert any("Neo4j is not reachable" in e.value for e in at.error)


def test_analysts_get_no_console(app_env: Path):
    """An analyst's query library lists the analyst queries but explains the console is closed."""
    security.add_user(app_env, "abel", "analyst", "right-password")
    at = signed_in(User("abel", "analyst"))
    at.switch_page("views/queries.py")
    at = run(at)
    assert not at.exception
    assert any("open to roles that may see personal data" in i.value for i in at.info)
    assert at.selectbox[0].label == "Query"


def test_analysts_cannot_open_the_audit_page(app_env: Path):
    """The audit page refuses roles without the audit permission."""
    security.add_user(app_env, "abel", "analyst", "right-password")
    at = signed_in(User("abel", "analyst"))
    at.switch_page("views/audit.py")
    at = run(at)
    assert not at.exception
    assert not any(h.value == "Audit trail" for h in at.title)
