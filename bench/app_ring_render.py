"""Benchmark the Ring detail page on large rings: Neo4j reads, graph assembly and layout, the
chart spec, and the time a real browser (Debian's Chromium) takes to show the graph.

It adds one synthetic ring per size to the running Neo4j (every node id starts with
``BENCH-``, so nothing else is touched), starts `ringwatch app` on a free port with a temporary
users file, measures, then deletes the BENCH- nodes and stops the app. Prints a markdown table.

    .venv/bin/python bench/app_ring_render.py --sizes 100 500 1000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import ringgraph, security, store  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from graph.queries import inline  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Benchmark fixtures only: every node they create has an id starting with BENCH-.
_CREATE = """
UNWIND $accounts AS id
CREATE (:Account {id_usuario: id, status: 'ativa',
                  data_cadastro: localdatetime('2025-01-01T00:00:00')})
"""
_RING = """
CREATE (r:Ring {ring_id: $ring_id, score: 0.9, status: 'open', kind: 'ring',
                typology_guess: 'mule_farm', size: size($members), reasons: ['benchmark ring']})
WITH r
UNWIND $members AS id
MATCH (a:Account {id_usuario: id})
CREATE (a)-[:MEMBER_OF]->(r)
"""
_PIX = """
UNWIND $flows AS f
MATCH (a:Account {id_usuario: f.source}), (b:Account {id_usuario: f.target})
CREATE (a)-[:PIX {id_transacao: f.id, valor: f.valor, status: 'concluida',
                  timestamp: localdatetime('2025-03-01T00:00:00')
                             + duration({minutes: f.minute})}]->(b)
"""
_DEVICES = """
UNWIND $links AS l
MERGE (d:Device {id_dispositivo: l.device})
WITH d, l
MATCH (a:Account {id_usuario: l.account})
CREATE (a)-[:REGISTERED_DEVICE]->(d)
"""
BENCH_USER = "bench-app-benchmark"
_CLEAN = """
MATCH (n) WHERE n.id_usuario STARTS WITH 'BENCH-' OR n.ring_id STARTS WITH 'BENCH-'
   OR n.id_dispositivo STARTS WITH 'BENCH-' OR (n:AuditEvent AND n.user = $user)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS
"""


def make_ring(gateway: Gateway, size: int, seed: int = 1) -> str:
    """A ring of ``size`` members: a layering tree, victims paying in, cash-outs, shared phones."""
    rng = random.Random(seed)
    ring_id = f"BENCH-R{size}"
    members = [f"BENCH-{size}-M{i:05d}" for i in range(size)]
    victims = [f"BENCH-{size}-V{i:05d}" for i in range(size)]
    cashouts = [f"BENCH-{size}-C{i:05d}" for i in range(max(5, size // 5))]
    flows = []
    for i in range(1, size):
        for _ in range(2):
            flows.append((members[rng.randrange(i)], members[i]))
    flows += [(v, rng.choice(members)) for v in victims for _ in range(2)]
    flows += [(rng.choice(members), rng.choice(cashouts)) for _ in range(size * 2)]
    rows = [
        {
            "source": s,
            "target": t,
            "id": f"BENCH-T{size}-{k}",
            "valor": round(rng.uniform(50, 3000), 2),
            "minute": rng.randrange(0, 60 * 24 * 7),
        }
        for k, (s, t) in enumerate(flows)
    ]
    devices = [
        {"account": m, "device": f"BENCH-{size}-D{i % max(1, size // 8):04d}"}
        for i, m in enumerate(members)
    ]
    gateway.query(inline(_CREATE), {"accounts": members + victims + cashouts})
    gateway.query(inline(_RING), {"ring_id": ring_id, "members": members})
    for start in range(0, len(rows), 5000):
        gateway.query(inline(_PIX), {"flows": rows[start : start + 5000]})
    gateway.query(inline(_DEVICES), {"links": devices})
    return ring_id


def page_pipeline(gateway: Gateway, ring_id: str) -> dict[str, float]:
    """Time the ring page's own work: its reads, then graph assembly + layout, then the spec."""
    t0 = time.perf_counter()
    members = store.read(gateway, "analyst/ring_members", ring_id=ring_id, limit=5000)
    flows = store.read(gateway, "app/ring_flows", ring_id=ring_id, limit=20000)
    identity = store.read(gateway, "app/ring_identity", ring_id=ring_id, limit=20000)
    store.read(gateway, "app/ring_timeline", ring_id=ring_id, limit=5000)
    t1 = time.perf_counter()
    graph = ringgraph.build_ring_graph(
        [m["id_usuario"] for m in members],
        flows,
        identity,
        personal_data=False,
        identity_mode="shared",
    )
    t2 = time.perf_counter()
    spec = ringgraph.chart(graph).to_json()
    t3 = time.perf_counter()
    return {
        "reads_s": t1 - t0,
        "graph_s": t2 - t1,
        "spec_s": t3 - t2,
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
        "spec_kb": len(spec) / 1024,
    }


def start_app(workdir: Path) -> tuple[subprocess.Popen, str]:
    users = workdir / "users.toml"
    security.add_user(users, BENCH_USER, "investigator", "bench-password")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "ringwatch.cli", "app", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--users-file", str(users)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the app did not start")


def browser_times(url: str, ring_ids: list[str]) -> dict[str, float]:
    """Seconds from opening a ring in the signed-in app to its graph drawn and the run done."""
    from playwright.sync_api import expect, sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1500})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_role("textbox", name="User").fill(BENCH_USER)
        page.get_by_role("textbox", name="Password").fill("bench-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Ring queue")).to_be_visible(timeout=60_000)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Ring detail").click()
        box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Ring id")
        for ring_id in ring_ids:
            started = time.perf_counter()
            box.fill(ring_id)
            box.press("Enter")
            expect(page.get_by_role("heading", name=f"Ring {ring_id}")).to_be_visible(
                timeout=120_000
            )
            # The member table comes after the graph on the page: once it lists this ring's
            # members, the graph above it has been sent; then wait for Vega to draw it.
            member = ring_id.replace("BENCH-R", "BENCH-") + "-M"
            cells = page.locator('[data-testid="stDataFrame"] [role="gridcell"]')
            expect(cells.filter(has_text=member).first).to_be_attached(timeout=120_000)
            chart = page.get_by_test_id("stVegaLiteChart").first
            expect(chart.locator("canvas, svg").first).to_be_visible(timeout=120_000)
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
            out[ring_id] = time.perf_counter() - started
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--no-browser", action="store_true", help="skip the browser timing")
    args = parser.parse_args()
    gateway = Gateway(load_settings())
    gateway.verify()
    gateway.query(inline(_CLEAN), {"user": BENCH_USER})
    proc = None
    try:
        rings = {size: make_ring(gateway, size) for size in args.sizes}
        page_pipeline(gateway, rings[args.sizes[0]])  # warm-up (imports, query plans)
        results = {size: page_pipeline(gateway, ring) for size, ring in rings.items()}
        seen = {}
        if not args.no_browser:
            with tempfile.TemporaryDirectory() as tmp:
                proc, url = start_app(Path(tmp))
                seen = browser_times(url, list(rings.values()))
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        gateway.query(inline(_CLEAN), {"user": BENCH_USER})
        gateway.close()
    print(f"Ring detail page, {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print()
    print(
        "| members | drawn nodes | drawn edges | Neo4j reads (s) | graph + layout (s) "
        "| chart spec (s) | spec (KiB) | browser: open ring to graph drawn (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in results.items():
        shown = f"{seen[rings[size]]:.1f}" if rings[size] in seen else "-"
        print(
            f"| {size} | {r['nodes']} | {r['edges']} | {r['reads_s']:.2f} | {r['graph_s']:.2f} "
            f"| {r['spec_s']:.2f} | {r['spec_kb']:.0f} | {shown} |"
        )


if __name__ == "__main__":
    main()
