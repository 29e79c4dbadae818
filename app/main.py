"""ringwatch investigator app: the entry script. It checks the users file, shows the login
form until someone signs in, then routes to the pages the user's role may open."""

from __future__ import annotations

import contextlib

import streamlit as st

from app import security, store, ui

st.set_page_config(page_title="ringwatch", page_icon=":material/hub:", layout="wide")

opts = ui.attempt(ui.options)
try:
    users = security.read_users(opts.users_file)
except security.UsersFileError as exc:
    ui.fail(f"The app cannot start: {exc}")

PAGES = [
    ("views/queue.py", "Ring queue", ":material/format_list_numbered:", "queue", "view"),
    ("views/ring.py", "Ring detail", ":material/hub:", "ring", "view"),
    ("views/account.py", "Account 360", ":material/person_search:", "account", "view"),
    ("views/decisions.py", "Decisions", ":material/gavel:", "decisions", "view"),
    ("views/queries.py", "Query library", ":material/terminal:", "queries", "query"),
    ("views/runs.py", "Runs", ":material/monitoring:", "runs", "view"),
    ("views/audit.py", "Audit", ":material/policy:", "audit", "audit"),
]


def login() -> None:
    st.title("ringwatch")
    st.caption("Pix mule-ring investigations. Sign in to continue.")
    with st.form("login"):
        name = st.text_input("User")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    wait = ui.throttle().wait_s(name)
    if wait > 0:
        st.error(f"Too many failed attempts for {name!r}: try again in {wait:.0f} s.")
        return
    found = security.authenticate(users, name, password)
    # Signing in does not need Neo4j (the pages say when it is down), so a failed audit
    # write does not block it.
    with contextlib.suppress(Exception):
        store.audit(
            ui.gateway(),
            name or "?",
            "login" if found else "login_failed",
            copy_to=opts.audit_file,
        )
    if found is None:
        ui.throttle().failed(name)
        st.error("Unknown user or wrong password.")
        return
    ui.throttle().succeeded(name)
    st.session_state["user"] = found
    st.rerun()


who = ui.user()
if who is not None:  # the users file is re-read on every click: removals and role changes apply
    if who.name in users:
        who = st.session_state["user"] = security.User(who.name, users[who.name]["role"])
    else:
        st.session_state.pop("user", None)
        who = None
pages = [
    st.Page(path, title=title, icon=icon, url_path=url, default=(url == "queue"))
    for path, title, icon, url, permission in PAGES
    if who is None or who.can(permission)
]
nav = st.navigation(pages, position="sidebar" if who else "hidden")
if who is None:
    login()
    st.stop()

with st.sidebar:
    st.markdown(f"**{who.name}** · {who.role}")
    if not who.can("personal_data"):
        st.caption("CPF/CNPJ, names and contact data are masked for your role.")
    if st.button("Sign out", key="sign_out"):
        st.session_state.clear()
        st.rerun()
nav.run()
