"""The ringwatch command registers every command it lists, explicitly."""

from __future__ import annotations

from ringwatch import cli


def test_every_listed_command_and_group_is_registered():
    """Each entry of COMMANDS and GROUPS is a command of the app (none dropped silently)."""
    names = {c.name for c in cli.app.registered_commands}
    groups = {g.name for g in cli.app.registered_groups}
    assert names == {name for _, _, name in cli.COMMANDS}
    assert groups == {name for _, _, name in cli.GROUPS}
