"""The Alerts page in a real browser: an alert stored by the decision engine's own query
shows up with its decision, amount and links to its ring and accounts; the filter by
rule hides it; and the rules table counts it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from test_app_browser import (  # noqa: F401 - chromium is a fixture
    GRID_CELLS,
    WAIT_MS,
    as_user,
    chromium,
    go,
    shoot,
    start_app,
)

pytestmark = pytest.mark.integration

# the app test graph's first ring and one of its members
ALERT = {
    "alert_id": "T-ALERT-1",
    "id_transacao": "T-ALERT-1",
    "decision": "block",
    "score": 0.95,
    "rules": ["receiver_in_ring"],
    "reasons": ["The receiver is a member of ring R-TEST-1 (open)."],
    "ring_id": "R-TEST-1",
    "sender": "U1000009",
    "receiver": "U1000001",
    "amount": 15931.28,
    "transfer_time": "2025-03-01T09:16:00",
    "rules_version": "test",
    "engine_version": "test",
}


@pytest.fixture(scope="module")
def app_url(gateway, tmp_path_factory) -> Iterator[str]:
    with start_app(gateway, tmp_path_factory.mktemp("app_alerts")) as url:
        now = datetime.now(UTC).isoformat()
        gateway.query("decide/write_alerts", {"rows": [{**ALERT, "decided_at": now}]})
        yield url


@pytest.fixture(scope="module")
def sessions(chromium) -> Iterator[dict]:  # noqa: F811 - closed before the browser
    expect.set_options(timeout=WAIT_MS)
    pages: dict = {}
    yield pages
    for page in pages.values():
        page.context.close()


def test_alerts_page_lists_filters_and_counts_alerts(app_url, sessions, chromium):  # noqa: F811
    """An analyst sees the stored alert (amount, links to its ring and receiver), the rules chart,
    and an empty list once the filter asks for another rule."""
    web = as_user(sessions, chromium, app_url, "abel")
    go(web, "Alerts")
    expect(web.get_by_role("heading", name="Alerts")).to_be_visible()
    cells = web.locator(GRID_CELLS)
    # the grid's accessible cells hold raw values: the link targets and the amount
    expect(cells.filter(has_text="/ring?ring_id=R-TEST-1")).to_have_count(1)
    expect(cells.filter(has_text="/account?account=U1000001")).to_have_count(1)
    expect(cells.filter(has_text="15931.28")).to_have_count(1)
    expect(cells.filter(has_text="receiver_in_ring").first).to_be_attached()
    expect(web.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first).to_be_visible()
    shoot(web, "alerts")
    web.get_by_role("combobox", name="Rule fired").click()
    web.keyboard.type("night_limit")
    web.keyboard.press("Enter")
    expect(web.get_by_text("No alerts in the last 24 hours with these filters.")).to_be_visible()
