"""`ringwatch archive`: the bronze archive of every raw Kafka message, and its upkeep."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from archive.table import DEFAULT_VACUUM_HOURS
from ingest.topics import DEFAULT_PREFIX, Topics, ensure_topics
from ringwatch.errors import RingwatchError
from ringwatch.signals import stop_on_signals


def archive(
    path: Annotated[
        Path | None,
        typer.Option(help="The Delta table of the archive (default: RINGWATCH_VAR_DIR/archive)."),
    ] = None,
    topic_prefix: Annotated[
        str, typer.Option(help="Archives every topic named PREFIX.* (the DLQs included).")
    ] = DEFAULT_PREFIX,
    group: Annotated[str, typer.Option(help="Kafka consumer group id.")] = "ringwatch-archive",
    instance_id: Annotated[
        str | None,
        typer.Option(help="Static group member id: a restarted archiver resumes at once."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Messages per Delta commit (larger: fewer, bigger files).")
    ] = 50_000,
    batch_wait_s: Annotated[
        float, typer.Option(help="Longest wait (s) between a message's arrival and its write.")
    ] = 30.0,
    until_idle: Annotated[
        float | None,
        typer.Option(help="Exit after this many seconds without a message (tests, demos)."),
    ] = None,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="Do not consume: rewrite small files into large ones, delete files older "
            "than --vacuum-hours that no version needs, checkpoint the log, and exit.",
        ),
    ] = False,
    vacuum_hours: Annotated[
        int, typer.Option(help="With --compact: hours of history (time travel) to keep.")
    ] = DEFAULT_VACUUM_HOURS,
    drop_before: Annotated[
        str | None,
        typer.Option(
            help="With --compact: first delete every record of a day before this date "
            "(YYYY-MM-DD, UTC event date): the archive's retention."
        ),
    ] = None,
) -> None:
    """Archive every raw message of every PREFIX.* topic into a Delta Lake table, partitioned
    by topic and event date, with its Kafka coordinates. A batch is written in one Delta
    commit before its offsets are committed, and records already archived are skipped, so
    each (topic, partition, offset) is archived once. Stops cleanly on SIGTERM or Ctrl-C
    (the pending batch is written and committed). See docs/archive.md."""
    from archive import table
    from archive.archiver import ArchivePolicy, Archiver, open_archive_consumer
    from ringwatch.settings import load_settings

    settings = load_settings()
    where = path or settings.var_dir / "archive"
    if compact:
        _compact(where, vacuum_hours, drop_before)
        return
    if drop_before is not None:
        raise RingwatchError("--drop-before only applies with --compact.")
    if batch_size < 1 or batch_wait_s < 0:
        raise RingwatchError("--batch-size must be at least 1 and --batch-wait-s at least 0.")
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(level if level == "DEBUG" else "WARNING")
    # The loader's topics exist (as `stream` and `produce` make sure), so the group always
    # gets partitions and --until-idle can end.
    ensure_topics(settings.kafka_bootstrap_servers, Topics(topic_prefix).all)
    consumer = open_archive_consumer(
        settings.kafka_bootstrap_servers, group, batch_size, instance_id
    )
    archiver = Archiver(
        consumer,
        where,
        topic_prefix,
        ArchivePolicy(max_messages=batch_size, max_wait_s=batch_wait_s),
    )
    stop_on_signals(archiver, "ringwatch.archive", "writing the pending batch")
    typer.echo(f"Archiving {topic_prefix}.* into {where} (group {group}).")
    report = archiver.run(until_idle=until_idle)
    rate = report.archived / report.active_seconds if report.active_seconds else 0.0
    typer.echo(
        f"Archived {report.archived:,} messages of {len(report.topics)} topics in "
        f"{report.batches:,} batches ({report.skipped:,} already archived, skipped) "
        f"at {rate:,.0f} msg/s; the archive holds {table.stats(where).rows:,} messages."
        if table.exists(where)
        else "Archived nothing: no message arrived."
    )


def _compact(where: Path, vacuum_hours: int, drop_before: str | None) -> None:
    from archive import table

    if not table.exists(where):
        raise RingwatchError(f"No archive at {where}: check --path.")
    if drop_before is not None:
        try:
            day = date.fromisoformat(drop_before)
        except ValueError:
            raise RingwatchError(
                f"--drop-before {drop_before!r} is not a date: use YYYY-MM-DD."
            ) from None
        deleted = table.drop_before(where, day)
        typer.echo(f"Deleted {deleted:,} records of days before {day.isoformat()}.")
    done = table.compact(where, vacuum_hours)
    typer.echo(
        f"Compacted {where}: {done.before.files:,} files ({done.before.bytes / 1e6:,.1f} MB) "
        f"-> {done.after.files:,} files ({done.after.bytes / 1e6:,.1f} MB), "
        f"{done.vacuumed:,} unused files deleted, {done.after.rows:,} messages."
    )


def main() -> None:
    """`python -m archive.cli`: the archive command alone, errors as one line (the same
    command as `ringwatch archive`, runnable before the package is registered)."""
    import sys

    from ringwatch.settings import SettingsError

    try:
        typer.run(archive)
    except (RingwatchError, SettingsError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
