"""Sign-in sessions without a browser: tokens are signed, expire when idle or old, and are
revoked by signing out or by removing the user."""

from __future__ import annotations

from app.sessions import SessionStore, safe_next


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[SessionStore, Clock]:
    clock = Clock()
    return SessionStore(idle_s=60, lifetime_s=3600, clock=clock), clock


def test_a_token_names_its_user_while_in_use():
    """A fresh token is valid; each check counts as use and keeps it alive."""
    store, clock = make()
    token = store.open("ines")
    for _ in range(5):
        clock.now += 50
        assert store.check(token) == "ines"


def test_an_idle_token_expires():
    """A token unused for longer than the idle timeout is refused, and stays refused."""
    store, clock = make()
    token = store.open("ines")
    clock.now += 61
    assert store.check(token) is None
    clock.now -= 30
    assert store.check(token) is None


def test_a_token_expires_at_its_lifetime_however_active():
    """Even a token used every minute is refused after its lifetime."""
    store, clock = make()
    token = store.open("ines")
    for _ in range(61):  # 61 x 59 s = 3599 s
        clock.now += 59
        assert store.check(token) == "ines"
    clock.now += 59
    assert store.check(token) is None


def test_tampered_and_foreign_tokens_are_refused():
    """Changing the expiry breaks the signature; a token signed with another key fails."""
    store, _ = make()
    sid, expires, signature = store.open("ines").split(".")
    assert store.check(f"{sid}.{int(expires) + 3600}.{signature}") is None
    other, _ = make()
    assert store.check(other.open("ines")) is None
    assert store.check("garbage") is None and store.check("") is None


def test_revoking_signs_out_one_session_or_all_of_a_user():
    """revoke closes one session; revoke_user closes every session of that user."""
    store, _ = make()
    a, b, c = store.open("ines"), store.open("ines"), store.open("abel")
    store.revoke(a)
    assert store.check(a) is None and store.check(b) == "ines"
    store.revoke_user("ines")
    assert store.check(b) is None and store.check(c) == "abel"


def test_after_sign_in_only_paths_on_this_site_are_followed():
    """The page to return to must be a path here, never another site."""
    assert safe_next("/ring?ring_id=R1") == "/ring?ring_id=R1"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None):
        assert safe_next(target) == "/"
