"""The investigator app in a real browser (Playwright driving Debian's Chromium) against the
running app on the small app test graph: sign in, queue, ring graph, decisions stored in
Neo4j, analyst queries, the read-only console, and the empty-graph message.

Each test saves a screenshot of its page under docs/screenshots/ (shown in the README).
The app is started here as `ringwatch app` on a free port and stopped at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_app_queries import build_app_graph

from app import security
from graph.queries import inline
from ringwatch.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = PROJECT_ROOT / "docs" / "screenshots"
USERS = {
    "ines": ("investigator", "ines-password-1"),
    "abel": ("analyst", "abel-password-1"),
    "rita": ("admin", "rita-password-1"),
}
WAIT_MS = 20_000
# st.dataframe draws on a canvas; its accessible (hidden) table holds the cell texts.
GRID_CELLS = '[data-testid="stDataFrame"] [role="gridcell"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _models(directory: Path) -> Path:
    """Two model versions with metrics.json shaped as `ringwatch train` writes it, and the
    ``current`` pointer file naming the newer one."""
    for version, auc in (("v20250301-010000-aaaa1111", 0.61), ("v20250308-010000-bbbb2222", 0.68)):
        (directory / version).mkdir(parents=True)
        models = {
            name: {"auc_pr": auc - drop, "auc_roc": auc + 0.25 - drop, "precision_at_100": auc}
            for name, drop in (("graphsage", 0.0), ("mlp", 0.08), ("lightgbm", 0.04))
        }
        table = "| model | AUC-PR |\n|---|---:|\n" + "\n".join(
            f"| {name} | {m['auc_pr']:.2f} |" for name, m in models.items()
        )
        metrics = {"version": version, "models": models, "table": table, "train_seconds": 12.5}
        (directory / version / "metrics.json").write_text(json.dumps(metrics))
    (directory / "current").write_text("v20250308-010000-bbbb2222\n")
    return directory


@contextmanager
def start_app(gateway, base: Path, idle_s: float | None = None) -> Iterator[str]:
    """Start `ringwatch app` on a free port with the test users and the app test graph; its
    URL until the block ends, then stop it."""
    users_file = base / "app-users.toml"
    for name, (role, password) in USERS.items():
        security.add_user(users_file, name, role, password)
    port = _free_port()
    log = (base / "app.log").open("w")
    idle = ["--session-idle-minutes", str(idle_s / 60)] if idle_s else []
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ringwatch.cli",
            "app",
            "--port",
            str(port),
            "--users-file",
            str(users_file),
            "--models-dir",
            str(_models(base / "models")),
            "--audit-file",
            str(base / "audit" / "trail.jsonl"),
            "--query-timeout",
            "10",
            *idle,
        ],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        build_app_graph(gateway, base / "data")  # while the app starts
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start: {(base / 'app.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def app_url(gateway, tmp_path_factory) -> Iterator[str]:
    with start_app(gateway, tmp_path_factory.mktemp("app_browser")) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Debian's Chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sessions(chromium) -> Iterator[dict[str, Page]]:
    """One signed-in browser page per user, shared by the tests in file order (signing in
    again for every test would double this file's run time)."""
    expect.set_options(timeout=WAIT_MS)
    pages: dict[str, Page] = {}
    yield pages
    for pg in pages.values():
        pg.context.close()


def new_page(chromium: Browser) -> Page:
    pg = chromium.new_context(viewport={"width": 1440, "height": 1500}).new_page()
    pg.set_default_timeout(WAIT_MS)
    return pg


def as_user(sessions, chromium, url: str, user: str) -> Page:
    """The user's signed-in page (signing in on first use)."""
    if user not in sessions:
        pg = new_page(chromium)
        pg.goto(url)
        sign_in(pg, user)
        sessions[user] = pg
    return sessions[user]


def sign_in(page: Page, user: str, password: str | None = None) -> None:
    page.get_by_role("textbox", name="User").fill(user)
    page.get_by_role("textbox", name="Password").fill(password or USERS[user][1])
    page.get_by_role("button", name="Sign in").click()
    if password is None:
        expect(page.get_by_text(f"{user} · {USERS[user][0]}")).to_be_visible()


def go(page: Page, title: str) -> None:
    """Open a page from the sidebar (in-app navigation keeps the session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    settle(page)


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_sign_in_opens_the_ring_queue(app_url, sessions, chromium):
    """Opening the app leads to the sign-in form; a wrong password is refused there; a right
    one shows the queue ranked by score."""
    web = new_page(chromium)
    web.goto(app_url)
    sign_in(web, "ines", "not-her-password")
    expect(web.get_by_text("Unknown user or wrong password.")).to_be_visible()
    sign_in(web, "ines")
    sessions["ines"] = web
    expect(web.get_by_role("heading", name="Ring queue")).to_be_visible()
    cells = web.locator(GRID_CELLS)
    expect(cells.filter(has_text="R-TEST-1")).to_have_count(1)
    expect(cells.filter(has_text="R-TEST-3")).to_have_count(0)  # dismissed: filtered out
    shoot(web, "queue")


def test_open_a_ring_and_see_its_graph(app_url, sessions, chromium):
    """Opening a ring from the queue shows its graph, reasons, timeline and members."""
    web = as_user(sessions, chromium, app_url, "ines")
    go(web, "Ring queue")
    web.get_by_role("button", name="Open ring").click()
    web.wait_for_url("**/ring?ring_id=R-TEST-1")
    expect(web.get_by_role("heading", name="Ring R-TEST-1")).to_be_visible()
    expect(web.get_by_text("All 6 accounts use the same device D0000777")).to_be_visible()
    graph = web.get_by_test_id("stVegaLiteChart").first
    expect(graph.locator("canvas, svg").first).to_be_visible()
    shoot(web, "ring")


def test_decision_is_recorded_in_neo4j(app_url, sessions, chromium, gateway):
    """Confirming a ring with a note stores a Decision, an AuditEvent and the new status."""
    web = as_user(sessions, chromium, app_url, "ines")
    go(web, "Ring detail")
    ring_box = web.get_by_test_id("stSidebar").get_by_role("textbox", name="Ring id")
    ring_box.fill("R-TEST-2")
    ring_box.press("Enter")
    expect(web.get_by_role("heading", name="Ring R-TEST-2")).to_be_visible()
    web.get_by_role("button", name="Record a decision on this ring").click()
    web.wait_for_url("**/decisions?**target_id=R-TEST-2**")
    note = "Three accounts on one phone number; browser test."
    web.get_by_role("textbox", name="Note (required)").fill(note)
    web.get_by_role("button", name="Record decision").click()
    expect(web.get_by_text("Recorded confirm on ring R-TEST-2")).to_be_visible()
    rows = gateway.query(
        inline(
            "MATCH (d:Decision {note: $note})-[:ABOUT]->(r:Ring) "
            "RETURN d.user AS user, d.decision AS decision, r.ring_id AS ring, r.status AS status"
        ),
        {"note": note},
    ).rows
    assert rows == [
        {"user": "ines", "decision": "confirm", "ring": "R-TEST-2", "status": "confirmed"}
    ]
    audit = gateway.query(
        inline("MATCH (e:AuditEvent {user: 'ines', action: 'decision'}) RETURN e.detail AS detail")
    ).rows
    assert any(json.loads(a["detail"])["note"] == note for a in audit)
    shoot(web, "decisions")


def test_analyst_runs_a_library_query_with_masked_results(app_url, sessions, chromium, gateway):
    """An analyst runs ring_members from the library; CPFs come back masked and it is audited."""
    web = as_user(sessions, chromium, app_url, "abel")
    go(web, "Query library")
    web.get_by_role("combobox", name="Query").click()
    web.keyboard.type("ring_members")
    web.keyboard.press("Enter")
    settle(web)
    field = web.get_by_role("textbox", name="ring_id (string)")
    field.fill("R-TEST-1")
    web.get_by_role("button", name="Run query").click()
    expect(web.get_by_text("6 rows in")).to_be_visible()
    expect(web.locator(GRID_CELLS).filter(has_text="***.").first).to_be_attached()
    events = gateway.query(
        inline("MATCH (e:AuditEvent {user: 'abel', action: 'library_query'}) RETURN e.detail AS d")
    ).rows
    assert json.loads(events[-1]["d"])["query"] == "analyst/ring_members"
    shoot(web, "queries")


def test_console_refuses_a_write(app_url, sessions, chromium, gateway):
    """The console runs reads, and a write is refused by Neo4j with a clear message."""
    web = as_user(sessions, chromium, app_url, "ines")
    go(web, "Query library")
    web.get_by_role("tab", name="Cypher console").click()
    box = web.get_by_role("textbox", name="Cypher")
    box.fill("MATCH (a:Account) RETURN a.id_usuario AS id ORDER BY id LIMIT 5")
    web.get_by_role("button", name="Run", exact=True).click()
    expect(web.get_by_text("5 rows in")).to_be_visible()
    box.fill("CREATE (:Intruder {at: 1}) RETURN 1")
    web.get_by_role("button", name="Run", exact=True).click()
    expect(web.get_by_text("Refused: the console is read-only")).to_be_visible()
    assert gateway.query(inline("MATCH (n:Intruder) RETURN count(n) AS n")).rows[0]["n"] == 0
    shoot(web, "console")


def test_account_runs_and_audit_pages(app_url, sessions, chromium):
    """Account 360 masks the holder for analysts; Runs charts metrics; only admins see Audit."""
    web = as_user(sessions, chromium, app_url, "abel")
    go(web, "Account 360")
    search = web.get_by_role("textbox", name="Search by CPF/CNPJ")
    search.fill("U1000001")
    search.press("Enter")
    expect(web.get_by_role("heading", name="Account U1000001")).to_be_visible()
    expect(web.get_by_text("***.", exact=False).first).to_be_visible()
    web.get_by_role("tab", name="Money trail").click()
    expect(web.get_by_text("accounts reached")).to_be_visible()
    trail = web.get_by_test_id("stVegaLiteChart").filter(visible=True).first
    expect(trail.locator("canvas, svg").first).to_be_visible()
    shoot(web, "account")
    expect(web.get_by_test_id("stSidebarNav").get_by_role("link", name="Audit")).to_have_count(0)
    go(web, "Runs")
    expect(web.get_by_text("Model in use:")).to_be_visible()
    shoot(web, "runs")
    admin = as_user(sessions, chromium, app_url, "rita")
    go(admin, "Audit")
    expect(admin.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(admin.locator(GRID_CELLS).filter(has_text="library_query").first).to_be_attached()
    shoot(admin, "audit")


def test_empty_graph_is_a_message(app_url, sessions, chromium, gateway):
    """With an empty graph the pages say to run the loader instead of failing."""
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    web = as_user(sessions, chromium, app_url, "ines")
    go(web, "Ring queue")
    expect(web.get_by_text("The graph is empty: load data first")).to_be_visible()
