"""The ringwatch command registers every command it lists, explicitly."""

from __future__ import annotations

from graph import gateway
from ringwatch import cli


def test_every_listed_command_and_group_is_registered():
    """Each entry of COMMANDS and GROUPS is a command of the app (none dropped silently)."""
    names = {c.name for c in cli.app.registered_commands}
    groups = {g.name for g in cli.app.registered_groups}
    assert names == {c[2] for c in cli.COMMANDS}
    assert groups == {name for _, _, name in cli.GROUPS}


def test_each_command_runs_with_its_neo4j_component():
    """Running a registered command first selects its component's Neo4j credentials."""
    from ringwatch.settings import COMPONENTS

    assert {c[3] for c in cli.COMMANDS} - {None} <= set(COMPONENTS)
    seen = []
    wrapped = cli._as_component(lambda: seen.append(gateway._process_component), "loader")
    try:
        wrapped()
    finally:
        gateway.run_as(None)
    assert seen == ["loader"]
