"""The API's bearer tokens: issued once, stored as hashes, checked, expired and revoked."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from api import tokens
from api.tokens import TokensFileError, TokenStore

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_an_issued_token_is_stored_only_as_its_hash(tmp_path):
    """The file (mode 600) holds the user, role and SHA-256 of the token, never the token."""
    path = tmp_path / "api-tokens.toml"
    token, entry = tokens.add_token(path, "ana", "investigator", days=30, now=NOW)
    text = path.read_text()
    secret = token.split("_", 2)[2]  # urlsafe base64: the secret itself may contain "_"
    assert token.startswith("rw_") and token not in text and secret not in text
    assert entry.sha256 in text and 'role = "investigator"' in text
    assert os.stat(path).st_mode & 0o777 == 0o600
    read = tokens.read_tokens(path)[entry.token_id]
    assert (read.user, read.role, read.expires) == ("ana", "investigator", NOW + timedelta(30))


def test_check_accepts_the_token_and_nothing_close_to_it(tmp_path):
    """The exact token passes; another secret with the same id, a malformed text, an
    unknown id and an expired token do not."""
    path = tmp_path / "t.toml"
    token, entry = tokens.add_token(path, "bot", "analyst", days=1, now=NOW)
    entries = tokens.read_tokens(path)
    assert tokens.check(entries, token, NOW) == entry
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unknown = "rw_000000000000_" + token.split("_", 2)[2]
    for bad in (tampered, unknown, "", "Bearer " + token, token + "x"):
        assert tokens.check(entries, bad, NOW) is None
    assert tokens.check(entries, token, NOW + timedelta(days=1)) is None


def test_a_store_sees_revocation_at_once(tmp_path):
    """A running store re-reads the file when it changes: a revoked token stops working."""
    path = tmp_path / "t.toml"
    kept, _ = tokens.add_token(path, "a", "admin", days=None)
    gone, entry = tokens.add_token(path, "b", "analyst")
    store = TokenStore(path)
    assert store.user(gone).role == "analyst"  # type: ignore[union-attr]
    tokens.revoke_token(path, entry.token_id)
    assert store.user(gone) is None
    assert store.user(kept).name == "a"  # type: ignore[union-attr]


def test_bad_entries_and_names_fail_with_the_fix(tmp_path):
    """Unknown roles, odd user names, a malformed file and a missing one are refused with a
    message saying what to do."""
    path = tmp_path / "t.toml"
    with pytest.raises(TokensFileError, match="not one of analyst, investigator, admin"):
        tokens.add_token(path, "ana", "root")
    with pytest.raises(TokensFileError, match="must be 1-64"):
        tokens.add_token(path, 'ana"; role = "admin', "analyst")
    with pytest.raises(TokensFileError, match="--add-token"):
        tokens.read_tokens(tmp_path / "missing.toml")
    path.write_text('[tokens."x"]\nuser = "a"\nrole = "god"\nsha256 = "00"\n')
    with pytest.raises(TokensFileError, match="needs user, role"):
        tokens.read_tokens(path)
    fresh = tmp_path / "fresh.toml"
    tokens.add_token(fresh, "a", "analyst")
    with pytest.raises(TokensFileError, match="No token with id"):
        tokens.revoke_token(fresh, "nope")


def test_the_server_refuses_to_start_without_tokens(tmp_path, monkeypatch):
    """`ringwatch api` with no tokens file, or one without tokens, stops with the command
    that issues one (before any Neo4j connection)."""
    from typer.testing import CliRunner

    from graph import gateway
    from ringwatch import cli
    from ringwatch.errors import RingwatchError

    monkeypatch.setenv("RINGWATCH_VAR_DIR", str(tmp_path))
    try:
        result = CliRunner().invoke(cli.app, ["api"])
        assert isinstance(result.exception, RingwatchError)
        assert "No API tokens file" in str(result.exception)
        assert "--add-token" in str(result.exception)
        (tmp_path / "api-tokens.toml").write_text("# none yet\n")
        result = CliRunner().invoke(cli.app, ["api"])
        assert "has no tokens" in str(result.exception)
    finally:
        gateway.run_as(None)  # the command selected the api component for this process
