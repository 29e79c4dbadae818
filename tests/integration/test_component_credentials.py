"""Credentials per component on the real Neo4j: a component with NEO4J_<COMPONENT>_USER /
_PASSWORD connects as that user, the others as the shared one, and a refused component
user is named in the message."""

from __future__ import annotations

import os
import secrets

import pytest

from graph.gateway import Gateway, Neo4jAuthFailed
from graph.queries import inline
from ringwatch.settings import load_settings

pytestmark = pytest.mark.integration

WHO = inline("CALL dbms.showCurrentUser() YIELD username RETURN username")


@pytest.fixture
def console_user(gateway):
    """A Neo4j user for the console, created for the test and dropped afterwards."""
    name, password = "ringwatch_test_console", secrets.token_urlsafe(16)
    gateway.query(
        inline("CREATE OR REPLACE USER $name SET PASSWORD $password CHANGE NOT REQUIRED"),
        {"name": name, "password": password},
    )
    yield name, password
    gateway.query(inline("DROP USER $name IF EXISTS"), {"name": name})


def test_a_component_connects_as_its_own_user(console_user):
    """The console's gateway runs as NEO4J_CONSOLE_USER; the app's as the shared user."""
    name, password = console_user
    env = dict(os.environ, NEO4J_CONSOLE_USER=name, NEO4J_CONSOLE_PASSWORD=password)
    settings = load_settings(env)
    with (
        Gateway(settings, component="console") as console,
        Gateway(settings, component="app") as pages,
    ):
        assert console.query(WHO, mode="read").rows == [{"username": name}]
        assert pages.query(WHO, mode="read").rows == [{"username": settings.neo4j_user}]


def test_a_refused_component_user_is_named(console_user):
    """A wrong console password fails with the console user's variables in the message."""
    name, _ = console_user
    env = dict(os.environ, NEO4J_CONSOLE_USER=name, NEO4J_CONSOLE_PASSWORD="not-it-at-all")
    with (
        Gateway(load_settings(env), component="console") as console,
        pytest.raises(Neo4jAuthFailed, match="NEO4J_CONSOLE_USER/NEO4J_CONSOLE_PASSWORD"),
    ):
        console.verify()
