"""`ringwatch decide` (the decision engine on Kafka) and `ringwatch rules test` (rules against
a sample of transfers, no servers needed)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from decide.rules import DEFAULT_RULES, RuleSet, load_rules
from ingest.topics import DEFAULT_PARTITIONS, DEFAULT_PREFIX, Topics, ensure_topics
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings
from ringwatch.signals import stop_on_signals

RulesOption = Annotated[
    Path, typer.Option("--rules", help="Rules file (YAML, see docs/decisions.md).")
]
rules_app = typer.Typer(help="Check and try the decision rules.", no_args_is_help=True)


def decide(
    rules_file: RulesOption = DEFAULT_RULES,
    until_idle: Annotated[
        float | None,
        typer.Option(help="Exit after this many seconds without a message (tests, demos)."),
    ] = None,
    group: Annotated[str, typer.Option(help="Kafka consumer group id.")] = "ringwatch-decide",
    instance_id: Annotated[
        str | None,
        typer.Option(help="Static group member id (see docs/decisions.md before using it)."),
    ] = None,
    topic_prefix: Annotated[
        str, typer.Option(help="Reads PREFIX.transacoes; writes PREFIX.alertas.")
    ] = DEFAULT_PREFIX,
    partitions: Annotated[
        int, typer.Option(help="Partitions of topics this command creates.")
    ] = DEFAULT_PARTITIONS,
    emit_allow: Annotated[
        bool, typer.Option(help="Also send every `allow` decision to the alert topic.")
    ] = False,
    models_dir: Annotated[
        Path, typer.Option(help="Model registry whose `current` model gives the GNN threshold.")
    ] = Path("models"),
    refresh_every: Annotated[
        float, typer.Option(help="Seconds between cache refreshes at the latest (rings, scores).")
    ] = 300.0,
    kafka_client: Annotated[
        str,
        typer.Option(
            help="Kafka client library: confluent (librdkafka, parses in C) or kafka-python "
            "(the loader's; the engine's before). See decide/kafka.py.",
        ),
    ] = "confluent",
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Port of the Prometheus /metrics endpoint (0: none; default "
            "RINGWATCH_DECIDE_METRICS_PORT, else 9109); see docs/monitoring.md.",
        ),
    ] = None,
) -> None:
    """Decide every Pix transfer on PREFIX.transacoes: allow, review or block, with a score,
    the rules that fired and reasons in words. Alerts (review, block) go to PREFIX.alertas
    and to Neo4j as (:Alert) nodes; malformed transfers to PREFIX.decide.dlq. Offsets are
    committed only after both have the batch. Stops cleanly on SIGTERM or Ctrl-C."""
    from decide.kafka import CLIENTS, open_clients
    from decide.metrics import EngineMetrics
    from decide.rebuild import build_state
    from decide.runner import DecisionEngine, alerts_topic, dlq_topic, engine_topics, freeze_heap
    from graph.gateway import Gateway, apply_schema
    from ringwatch.monitoring import serve

    rules = load_rules(rules_file)  # a malformed file fails here, before any I/O
    if kafka_client not in CLIENTS:
        raise RingwatchError(f"--kafka-client must be one of {', '.join(CLIENTS)}.")
    settings = load_settings()
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(level if level == "DEBUG" else "WARNING")
    topics = Topics(topic_prefix)
    bootstrap = settings.kafka_bootstrap_servers
    with Gateway(settings) as gateway:
        gateway.verify()
        apply_schema(gateway)
        ensure_topics(
            bootstrap, [*engine_topics(topics), alerts_topic(topics), dlq_topic(topics)], partitions
        )
        started = time.perf_counter()
        history = timedelta(minutes=max(24 * 60, rules.longest_window_minutes))
        state, built = build_state(gateway, history, models_dir)
        freeze_heap()
        typer.echo(
            f"State rebuilt in {time.perf_counter() - started:.1f} s: {built.accounts:,} "
            f"accounts, {built.keys:,} keys, {built.transfers:,} recent transfers, "
            f"{built.logins:,} recent logins (graph time {built.now or 'empty'}); rules "
            f"{rules.version} ({len(rules.rules)} rules)."
        )
        consumer, producer = open_clients(
            kafka_client,
            bootstrap,
            group,
            topics,
            {
                # Polls of at most 500 records keep one batch's work to tens of
                # milliseconds, so a transfer that arrives during a long batch does not
                # wait behind it.
                "max_poll_records": 500,
                "fetch_max_wait_ms": 20,
                "group_instance_id": instance_id,
                "client_id": "ringwatch-decide",
            },
            {"client_id": "ringwatch-decide", "linger_ms": 2},
        )
        metrics = EngineMetrics()
        port = settings.decide_metrics_port if metrics_port is None else metrics_port
        if port:
            serve(metrics.registry, port, settings.metrics_addr)
            typer.echo(f"Metrics on http://{settings.metrics_addr}:{port}/metrics")
        engine = DecisionEngine(
            gateway,
            consumer,
            producer,
            topics,
            rules,
            state,
            emit_allow=emit_allow,
            models_dir=models_dir,
            refresh_every_s=refresh_every,
            metrics=metrics,
        )
        stop_on_signals(engine, "ringwatch.decide", "finishing the current batch")
        typer.echo(
            f"Deciding {topics.of('transacoes_pix')} (group {group}, Kafka client "
            f"{kafka_client}), ready."
        )
        try:
            report = engine.run(until_idle=until_idle)
        finally:
            producer.close()
    typer.echo(
        f"Decided {report.decided:,} transfers: {report.alerts:,} alerts "
        f"({report.blocks:,} block) to {alerts_topic(topics)}, {report.dead_lettered:,} "
        f"malformed to {dlq_topic(topics)}, {report.batches:,} batches."
    )


@rules_app.command("test")
def test_rules(
    rules_file: Annotated[Path, typer.Argument(help="Rules file to try (YAML).")],
    data: Annotated[
        Path,
        typer.Option(help="Dataset folder (as `ringwatch generate` writes) holding the sample."),
    ],
    limit: Annotated[int, typer.Option(help="Most transfers decided (the first by time).")] = 0,
    examples: Annotated[int, typer.Option(help="Example transfers printed per rule.")] = 3,
) -> None:
    """Check RULES_FILE and run it over the transfers of a dataset folder, with the state
    built from that folder's other files (no Neo4j or Kafka): prints how often each rule
    fired, the decisions, and a few example reasons per rule. Rings, scores and confirmed
    fraud come only from a running graph, so rules that read them do not fire here."""
    from decide.sample import decide_sample

    rules = load_rules(rules_file)
    decisions = decide_sample(data, rules, limit or None)
    _print_summary(rules, decisions, examples)


def _print_summary(rules: RuleSet, decisions: list[Any], examples: int) -> None:
    verdicts = Counter(d.decision for d in decisions)
    typer.echo(
        f"Rules {rules.version}: {len(decisions):,} transfers decided: "
        + ", ".join(f"{verdicts.get(v, 0):,} {v}" for v in ("allow", "review", "block"))
    )
    for rule in rules.rules:
        fired = [d for d in decisions if rule.id in d.rules]
        share = len(fired) / len(decisions) if decisions else 0.0
        typer.echo(f"\n{rule.id} ({rule.severity}): fired on {len(fired):,} ({share:.2%})")
        for d in fired[:examples]:
            reason = d.reasons[d.rules.index(rule.id)]
            typer.echo(f"  {d.transfer_id} {d.transfer_time:%Y-%m-%d %H:%M:%S}: {reason}")
    if not decisions:
        raise RingwatchError("The sample has no valid transfer: check --data.")
