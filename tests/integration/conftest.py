"""Fixtures for tests that run against the real Neo4j + GDS and Kafka."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.gateway import Gateway, apply_schema
from ringwatch.settings import load_settings


@pytest.fixture(scope="session")
def gateway() -> Iterator[Gateway]:
    gw = Gateway(load_settings())
    gw.verify()
    apply_schema(gw, check=False)  # each test loads its own data over whatever was there
    yield gw
    gw.close()


@pytest.fixture(scope="session")
def gds(gateway: Gateway):
    return gateway.gds()
