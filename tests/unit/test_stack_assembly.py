"""The stack assembler keeps one copy of each library and pins matching versions."""

from __future__ import annotations

from pathlib import Path

import yaml

from ringwatch.settings import PROJECT_ROOT, env_names
from stack import versions
from stack.assemble import group_artifact, merge_gds


def test_group_artifact_strips_the_version():
    """Maven's group-prefixed file names reduce to group.artifact."""
    assert group_artifact("com.fasterxml.jackson.core.jackson-core-2.18.6.jar") == (
        "com.fasterxml.jackson.core.jackson-core"
    )
    assert group_artifact("org.javassist.javassist-3.28.0-GA.jar") == "org.javassist.javassist"
    assert group_artifact("org.neo4j.gds.proc-2.13.9.jar") == "org.neo4j.gds.proc"


def _touch(d: Path, *names: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for n in names:
        (d / n).write_bytes(b"jar")


def test_merge_keeps_neo4js_copy_of_shared_libraries(tmp_path):
    """GDS modules go to plugins; a library Neo4j already has is not copied a second time."""
    lib, plugins, gds = tmp_path / "lib", tmp_path / "plugins", tmp_path / "gds"
    _touch(lib, "com.fasterxml.jackson.core.jackson-core-2.21.1.jar")
    _touch(plugins)
    _touch(
        gds,
        "org.neo4j.gds.proc-2.13.9.jar",
        "com.fasterxml.jackson.core.jackson-core-2.18.6.jar",
        "org.agrona.agrona-1.23.0.jar",
    )
    skipped = merge_gds(gds, lib, plugins)
    assert skipped == ["com.fasterxml.jackson.core.jackson-core-2.18.6.jar"]
    assert sorted(p.name for p in plugins.iterdir()) == ["org.neo4j.gds.proc-2.13.9.jar"]
    assert "org.agrona.agrona-1.23.0.jar" in {p.name for p in lib.iterdir()}


def test_pinned_versions_are_the_supported_lines():
    """Neo4j 5.26 (runs on Java 17) with GDS 2.13 and Kafka 4."""
    assert versions.NEO4J_VERSION.startswith("5.26.")
    assert versions.GDS_VERSION.startswith("2.13.")
    assert versions.KAFKA_VERSION.startswith("4.")


def test_docker_compose_parses_and_uses_the_settings_variables():
    """docker-compose.yml is valid YAML, passes only variables the settings object reads,
    and every ringwatch service runs a command with options the CLI knows."""
    from typer.testing import CliRunner

    from ringwatch.cli import app

    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    env = compose["x-ringwatch-env"]
    assert set(env) <= set(env_names())
    assert {"NEO4J_URI", "NEO4J_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS"} <= set(env)
    services = compose["services"]
    assert {"stream", "decide", "detect", "app", "api", "prometheus", "grafana"} <= set(services)
    for name, service in services.items():
        if "build" not in service:
            continue
        assert service["environment"].items() >= env.items(), name
        assert set(service["environment"]) <= set(env_names()), name
        program, *command = service["command"]
        words = [w for w in command if not w.startswith("-")][:1]
        help_text = CliRunner().invoke(app, [*words, "--help"], terminal_width=200).output
        for option in (w for w in command if w.startswith("--")):
            assert option in help_text, f"{name}: {option} is not an option of {words}"
    assert compose["services"]["neo4j"]["image"].startswith(f"neo4j:{versions.NEO4J_VERSION}")
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{versions.KAFKA_VERSION}"
