"""`ringwatch demo`: the end-to-end walk-through that `make demo` runs.

Each step is the `ringwatch` command a user would type, run as a child process, so the demo
shows (and exercises) exactly the public commands: generate a synthetic Pix world, stream it
through Kafka into Neo4j, detect rings, train and apply the GraphSAGE model, then start the
investigator app in the background with a demo login.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from graph.gateway import Gateway
from ringwatch.errors import RingwatchError
from ringwatch.settings import PROJECT_ROOT, load_settings
from stack.process import port_open, read_pid


def _step(number: int, total: int, title: str, *args: str) -> None:
    typer.secho(f"\n[{number}/{total}] {title}", bold=True)
    typer.echo("  $ ringwatch " + " ".join(args))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "ringwatch.cli", *args], cwd=PROJECT_ROOT)
    if code != 0:
        raise RingwatchError(f"Demo step '{title}' failed (exit {code}); see its output above.")
    typer.echo(f"  done in {time.monotonic() - started:.0f} s")


def _start_app(var_dir: Path, port: int) -> tuple[str, str]:
    """Start the app in the background with a fresh demo investigator; (url, password)."""
    from app import security
    from app.cli import streamlit_command

    users = var_dir / "demo-users.toml"
    password = secrets.token_urlsafe(12)
    security.add_user(users, "demo", "investigator", password)
    pid_file = var_dir / "demo-app.pid"
    old = read_pid(pid_file)
    if old:
        subprocess.call(["kill", str(old)])
        time.sleep(2)
    if port_open(port):
        raise RingwatchError(f"Port {port} is taken: stop what runs there or pass --app-port.")
    command = streamlit_command("127.0.0.1", port, users, PROJECT_ROOT / "models", 1000, 30.0)
    log = (var_dir / "demo-app.log").open("ab")
    proc = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file.write_text(f"{proc.pid}\n")
    for _ in range(60):
        if port_open(port):
            break
        time.sleep(1)
    return f"http://127.0.0.1:{port}", password


def demo(
    out: Annotated[Path, typer.Option(help="Where the demo dataset is written.")] = Path(
        "var/demo"
    ),
    scale: Annotated[
        float, typer.Option(help="Dataset scale (1 = the default volumes of docs/domain.md).")
    ] = 1.0,
    app: Annotated[bool, typer.Option(help="Start the investigator app at the end.")] = True,
    app_port: Annotated[int, typer.Option(help="Port of the demo app.")] = 8501,
) -> None:
    """Run the whole pipeline on synthetic data: generate, stream through Kafka into Neo4j,
    detect rings, train and score GraphSAGE, open the app. WIPES the graph first."""
    settings = load_settings()
    with Gateway(settings) as gateway:
        gateway.verify()
        versions = gateway.query("admin/gds_version", mode="read").rows[0]
        procedures = gateway.query("admin/gds_procedures", mode="read").rows[0]["procedures"]
    typer.echo(
        f"Neo4j {versions['neo4j']} with GDS {versions['gds']} at {settings.neo4j_uri}: "
        f"{procedures} GDS procedures available."
    )
    out = out if out.is_absolute() else PROJECT_ROOT / out
    prefix = f"demo{int(time.time())}"  # fresh topics: a rerun never replays old messages
    total = 7
    _step(
        1,
        total,
        "Generate a synthetic Pix world",
        "generate",
        "--out",
        str(out),
        "--scale",
        str(scale),
        "--seed",
        "7",
    )
    _step(2, total, "Start from an empty graph", "graph", "reset", "--yes")
    _step(
        3,
        total,
        "Replay the datasets into Kafka in event-time order",
        "produce",
        str(out),
        "--topic-prefix",
        prefix,
        "--no-progress",
    )
    _step(
        4,
        total,
        "Stream them from Kafka into Neo4j",
        "stream",
        "--topic-prefix",
        prefix,
        "--group",
        f"{prefix}-loader",
        "--until-idle",
        "10",
        "--metrics-port",
        "0",
    )
    _step(
        5,
        total,
        "Train GraphSAGE and the tabular baselines",
        "train",
        "--truth",
        str(out / "ground_truth_rings.csv"),
    )
    _step(6, total, "Score every account", "score")
    _step(7, total, "Detect rings", "detect")
    typer.secho("\nRing detection quality on the planted truth:", bold=True)
    subprocess.call(
        [
            sys.executable,
            "-m",
            "ringwatch.cli",
            "evaluate",
            "--truth",
            str(out / "ground_truth_rings.csv"),
        ],
        cwd=PROJECT_ROOT,
    )
    if app:
        url, password = _start_app(settings.var_dir, app_port)
        typer.secho(f"\nInvestigator app: {url}  (login: demo / {password})", bold=True)
        typer.echo(f"Stop it with: kill $(cat {settings.var_dir / 'demo-app.pid'})")
