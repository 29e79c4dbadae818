"""ringwatch investigator app: the entry script. It checks the users file and the session
(the cookie set by ``/signin``, see ``app.server`` and ``app.sessions``) on every run, then
routes to the pages the user's role may open."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import streamlit as st

from app import security, sessions, ui

st.set_page_config(page_title="ringwatch", page_icon=":material/hub:", layout="wide")

opts = ui.attempt(ui.options)
try:
    users = security.read_users(opts.users_file)
except security.UsersFileError as exc:
    ui.fail(f"The app cannot start: {exc}")

PAGES = [
    ("views/queue.py", "Ring queue", ":material/format_list_numbered:", "queue", "view"),
    ("views/ring.py", "Ring detail", ":material/hub:", "ring", "view"),
    ("views/alerts.py", "Alerts", ":material/notifications_active:", "alerts", "view"),
    ("views/account.py", "Account 360", ":material/person_search:", "account", "view"),
    ("views/decisions.py", "Decisions", ":material/gavel:", "decisions", "view"),
    ("views/queries.py", "Query library", ":material/terminal:", "queries", "query"),
    ("views/runs.py", "Runs", ":material/monitoring:", "runs", "view"),
    ("views/audit.py", "Audit", ":material/policy:", "audit", "audit"),
]


def session_user() -> security.User | None:
    """The signed-in user: the session token (the cookie sent when this tab connected, kept
    for the tab's later runs) checked on every run, so expiry and sign-out apply at once."""
    token = st.session_state.get("session_token") or st.context.cookies.get(sessions.COOKIE)
    name = ui.sessions().check(token)
    if name is None:
        return None
    if name not in users:  # removed from the users file: signed out; role changes apply
        ui.sessions().revoke_user(name)
        return None
    st.session_state["session_token"] = token
    return security.User(name, users[name]["role"])


def signed_out() -> None:
    """What a tab without a valid session shows: a way back to the sign-in form."""
    st.title("ringwatch")
    expired = "session_token" in st.session_state
    st.session_state.clear()
    url = urlsplit(st.context.url or "/")
    here = url.path + (f"?{url.query}" if url.query else "")
    st.info(
        ("Your session has ended (signed out, or idle too long). " if expired else "")
        + f"[Sign in](/signin?next={quote(here, safe='')}) to continue."
    )


who = session_user()
st.session_state["user"] = who
pages = [
    st.Page(path, title=title, icon=icon, url_path=url, default=(url == "queue"))
    for path, title, icon, url, permission in PAGES
    if who is None or who.can(permission)
]
nav = st.navigation(pages, position="sidebar" if who else "hidden")
if who is None:
    signed_out()
    st.stop()

with st.sidebar:
    st.markdown(f"**{who.name}** · {who.role}")
    if not who.can("personal_data"):
        st.caption("CPF/CNPJ, names and contact data are masked for your role.")
    if st.button("Sign out", key="sign_out"):
        ui.sessions().revoke(st.session_state.get("session_token"))
        st.rerun()
nav.run()
