"""Headless page tests (streamlit AppTest): start-up refusal without users, the login gate,
and errors shown as messages when Neo4j cannot be reached. No services are needed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import security, sessions
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
    """An app whose tab holds a valid session token, as after signing in (AppTest cannot
    send cookies, so the sign-in form and the cookie are driven by the browser tests)."""
    at = AppTest.from_file(MAIN)
    at.session_state["session_token"] = sessions.store(1800, 43200).open(user.name)
    return at


def test_without_users_file_the_app_refuses_and_says_how(app_env: Path):
    """No users file: the app shows how to create one and nothing else."""
    at = run(AppTest.from_file(MAIN))
    assert not at.exception
    assert "cannot start" in at.error[0].value
    assert "--add-user" in at.error[0].value
    assert len(at.text_input) == 0


def test_signed_out_sessions_see_only_a_way_to_sign_in(app_env: Path):
    """With users configured, a tab without a session gets a link to the sign-in form and
    no page content."""
    security.add_user(app_env, "ines", "investigator", "right-password")
    at = run(AppTest.from_file(MAIN))
    assert not at.exception
    assert "(/signin?next=" in at.info[0].value
    assert not at.text_input and not at.dataframe and not at.error and not at.sidebar.button


def test_a_revoked_or_forged_token_is_signed_out(app_env: Path):
    """A token whose session was revoked, or one not signed by this app, shows no page."""
    security.add_user(app_env, "ines", "investigator", "right-password")
    store = sessions.store(1800, 43200)
    revoked = store.open("ines")
    store.revoke(revoked)
    for token in (revoked, revoked.rsplit(".", 1)[0] + ".forged"):
        at = AppTest.from_file(MAIN)
        at.session_state["session_token"] = token
        at = run(at)
        assert not at.exception and "Sign in" in at.info[0].value
        assert not at.dataframe and not at.error


def test_a_user_removed_from_the_users_file_is_signed_out(app_env: Path):
    """A session of a user no longer in the users file is closed at the next run."""
    security.add_user(app_env, "ines", "investigator", "right-password")
    security.add_user(app_env, "abel", "analyst", "right-password")
    at = signed_in(User("abel", "analyst"))
    security.remove_user(app_env, "abel")
    at = run(at)
    assert not at.exception and "Sign in" in at.info[0].value


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
