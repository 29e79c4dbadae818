"""Time to first paint of the app's main pages on the loaded graph, in Debian's Chromium.

Starts `ringwatch app` on a free port with a temporary users file (as
``bench/app_ring_render.py`` does), signs in with Playwright, and times, for each page:

- **first paint**: from the navigation (or the sign-in click) until the page's own title is
  visible, i.e. the page's script has run far enough to draw its heading;
- **complete**: until the page's main content is there (the queue's table, the ring's graph
  drawn) and Streamlit's "running" indicator is gone.

Pages: the Ring queue right after signing in (cold: the app's first run) and again (warm),
the Ring detail page of the top-scored ring and of the largest stored ring (cold, then
warm), and the Runs page. Nothing is written to the graph except the app's own audit
events for the bench user, which are deleted afterwards. Prints a markdown table with the
load average before and after, and the app server's memory (PSS with its children, read
after each page; the largest).

    .venv/bin/python bench/app_first_paint.py
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app_ring_render import BENCH_USER, CHROMIUM_ARGS, start_app  # noqa: E402
from bench.peak_rss import GIB, _pss, descendants  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from graph.queries import inline  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

_RINGS = """
MATCH (r:Ring {kind: 'ring'})
WITH r, COUNT { (r)<-[:MEMBER_OF]-(:Account) } AS members
ORDER BY r.score DESC, members DESC
WITH collect({id: r.ring_id, members: members, score: r.score}) AS rings
WITH rings[0] AS top, reduce(big = rings[0], x IN rings |
     CASE WHEN x.members > big.members THEN x ELSE big END) AS largest
RETURN top, largest
"""
_CLEAN = """
MATCH (e:AuditEvent {user: $user})
CALL (e) { DETACH DELETE e } IN TRANSACTIONS
"""


def app_memory(pid: int) -> int:
    """PSS of the app server and its children, in bytes."""
    return _pss(pid) + sum(_pss(child) for child in descendants(pid))


def browse(url: str, rings: dict[str, dict[str, object]], app_pid: int) -> list[dict[str, object]]:
    from playwright.sync_api import Page, expect, sync_playwright

    out: list[dict[str, object]] = []
    peak = 0

    def wait_done(page: Page) -> None:
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=600_000)

    def record(name: str, started: float, painted: float, note: str = "") -> None:
        nonlocal peak
        done = time.perf_counter()
        peak = max(peak, app_memory(app_pid))
        out.append(
            {
                "page": name,
                "first_paint_s": round(painted - started, 2),
                "complete_s": round(done - started, 2),
                "note": note,
                "load": round(os.getloadavg()[0], 1),
            }
        )
        print(f"{name}: {out[-1]}", file=sys.stderr, flush=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1500})
        page.set_default_timeout(600_000)
        page.goto(url)
        page.get_by_role("textbox", name="User").fill(BENCH_USER)
        page.get_by_role("textbox", name="Password").fill("bench-password")
        for visit in ("cold", "warm"):
            started = time.perf_counter()
            if visit == "cold":
                page.get_by_role("button", name="Sign in").click()
            else:
                page.goto(f"{url}/queue")
            expect(page.get_by_role("heading", name="Ring queue")).to_be_visible(timeout=600_000)
            painted = time.perf_counter()
            expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=600_000)
            wait_done(page)
            record(f"Ring queue ({visit})", started, painted, "table of up to 1,000 rings shown")
        for which, ring in rings.items():
            for visit in ("cold", "warm"):
                started = time.perf_counter()
                page.goto(f"{url}/ring?ring_id={ring['id']}")
                expect(page.get_by_role("heading", name=f"Ring {ring['id']}")).to_be_visible(
                    timeout=600_000
                )
                painted = time.perf_counter()
                chart = page.get_by_test_id("stVegaLiteChart").first
                expect(chart.locator("canvas, svg").first).to_be_visible(timeout=600_000)
                wait_done(page)
                note = f"{ring['members']} members, score {float(ring['score'] or 0):.2f}"
                record(f"Ring detail, {which} ring ({visit})", started, painted, note)
        started = time.perf_counter()
        page.goto(f"{url}/runs")
        expect(page.get_by_role("heading").first).to_be_visible(timeout=600_000)
        painted = time.perf_counter()
        wait_done(page)
        record("Runs", started, painted)
        browser.close()
    for row in out:
        row["app_peak_gib"] = round(peak / GIB, 2)
    return out


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    gateway = Gateway(load_settings())
    gateway.verify()
    found = gateway.query(inline(_RINGS), mode="read").rows
    if not found or found[0]["top"] is None:
        raise SystemExit("no stored rings: run `ringwatch detect` first")
    rings = {"top-scored": found[0]["top"], "largest": found[0]["largest"]}
    load_before = os.getloadavg()
    proc = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_app(Path(tmp))
            rows = browse(url, rings, proc.pid)
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        gateway.query(inline(_CLEAN), {"user": BENCH_USER})
        gateway.close()
    load_after = os.getloadavg()
    print(
        f"Load average {load_before[0]:.1f} / {load_before[1]:.1f} before, "
        f"{load_after[0]:.1f} / {load_after[1]:.1f} after (1 / 5 min); {os.cpu_count()} CPUs.\n"
    )
    print("| page | first paint (s) | complete (s) | load at the end | app PSS GiB (max) | note |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['page']} | {r['first_paint_s']} | {r['complete_s']} | {r['load']} | "
            f"{r['app_peak_gib']} | {r['note']} |"
        )


if __name__ == "__main__":
    main()
