"""Runs: detection-run history, the GNN's training and scoring history (each promote/keep
decision and drift report) and its model metrics, with charts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import modelmetrics, ui
from gnn import drift, promote

HEADLINE_COUNTS = ("rings", "linked_clusters", "linked_accounts", "candidates", "retired")

who = ui.require("view")
st.title("Runs")

st.subheader("Detection runs")
runs = modelmetrics.run_table([r["run"] for r in ui.read("app/detection_runs", limit=200)])
if runs.empty:
    st.info("No detection runs yet: run `ringwatch detect`.")
else:
    count_cols = [c for c in runs.columns if c.startswith("count.")]
    headline = [c for c in count_cols if c.removeprefix("count.") in HEADLINE_COUNTS]
    shown = st.multiselect(
        "Counts to chart",
        count_cols,
        default=headline or count_cols[:5],
        format_func=lambda c: c.removeprefix("count."),
    )
    if shown and "started" in runs and len(runs) > 1:
        long = runs.melt(id_vars=["started"], value_vars=shown, var_name="what", value_name="n")
        long["what"] = long["what"].str.removeprefix("count.")
        st.altair_chart(
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("started:T", title="run started"),
                y=alt.Y("n:Q", title="count"),
                color=alt.Color("what:N", title=None),
                tooltip=["started:T", "what", "n"],
            )
            .properties(height=240),
            key="runs_counts",
        )
    if "seconds" in runs and "started" in runs and len(runs) > 1:
        st.altair_chart(
            alt.Chart(runs)
            .mark_line(point=True)
            .encode(
                x=alt.X("started:T", title="run started"),
                y=alt.Y("seconds:Q", title="duration (s)"),
                tooltip=[
                    "run_id",
                    "started:T",
                    "seconds",
                    *(["outcome"] if "outcome" in runs else []),
                ],
            )
            .properties(height=180),
            key="runs_duration",
        )
    st.dataframe(runs, hide_index=True)

st.subheader("Model history")
opts = ui.options()
history = promote.read_history(opts.models_dir)
if not history:
    st.info(
        f"No training or scoring run recorded yet ({opts.models_dir / promote.HISTORY}): "
        "run `ringwatch train` or `ringwatch train --every 1d`."
    )
else:
    st.caption(
        "A new version is put in use only when its validation AUC-PR is not worse than the "
        "current model's on the same split. Drift: population stability index (PSI) of each "
        f"feature against the model's training data; above {drift.PSI_WARNING} is a shift "
        "worth acting on. Flagged: share of accounts with gnn_score >= "
        f"{drift.FLAG_RANK}; a training run's share is the baseline for its scoring runs."
    )
    latest = history[-1]
    latest_drift = latest.get("drift") or {}
    if latest_drift.get("drifted"):
        st.warning(
            f"Drift in the latest {latest.get('kind')} run ({latest.get('at')}): PSI above "
            f"{latest_drift.get('threshold', drift.PSI_WARNING)} for "
            f"{', '.join(latest_drift['drifted'])} against "
            f"{latest_drift.get('against')}'s training data. Check the data, then retrain."
        )
    st.dataframe(pd.DataFrame(promote.history_rows(history)), hide_index=True)
    psi = latest_drift.get("psi") or {}
    if psi:
        frame = pd.DataFrame({"feature": list(psi), "psi": list(psi.values())})
        st.markdown(f"**Feature PSI of the latest {latest.get('kind')} run**")
        st.altair_chart(
            alt.Chart(frame)
            .mark_bar()
            .encode(
                y=alt.Y("feature:N", sort="-x", title=None),
                x=alt.X("psi:Q", title="PSI"),
                color=alt.condition(
                    alt.datum.psi > drift.PSI_WARNING, alt.value("#d62728"), alt.value("#4c78a8")
                ),
                tooltip=["feature", "psi"],
            )
            .properties(height=alt.Step(12)),
            key="drift_psi",
        )

st.subheader("Model metrics")
models, problems = modelmetrics.list_models(opts.models_dir)
for problem in problems:
    st.warning(f"Unreadable metrics file {problem}")
if not models:
    st.info(
        f"No trained model yet (no metrics.json under {opts.models_dir}): run `ringwatch train`."
    )
    st.stop()
current = next((m for m in models if m.current), models[-1])
st.caption(
    f"Model in use: **{current.version}**" if current.current else "No models/current pointer."
)
table = pd.DataFrame(
    [
        {
            "version": m.version,
            "current": m.current,
            **{  # per-feature drift is charted above, not a column each
                k: v
                for k, v in modelmetrics.scalars(m.metrics).items()
                if not k.startswith("drift.")
            },
        }
        for m in models
    ]
)
st.dataframe(table, hide_index=True)
metric_cols = [c for c in table.columns if c not in ("version", "current")]
if metric_cols:
    chosen = st.multiselect(
        "Metrics to compare",
        metric_cols,
        default=[
            c
            for c in metric_cols
            if any(k in c.lower() for k in ("auc", "f1", "precision", "recall"))
        ][:6]
        or metric_cols[:4],
    )
    if chosen:
        long = table.melt(
            id_vars=["version"], value_vars=chosen, var_name="metric", value_name="value"
        )
        st.altair_chart(
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y("metric:N", title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X("value:Q"),
                yOffset="version:N",
                color=alt.Color("version:N", legend=alt.Legend(orient="bottom", labelLimit=400)),
                tooltip=["version", "metric", "value"],
            )
            .properties(height=alt.Step(14)),
            key="model_metrics",
        )
if isinstance(current.metrics.get("table"), str):
    st.markdown(f"**Evaluation of {current.version}**")
    st.markdown(current.metrics["table"])
for name, frame in modelmetrics.series(current.metrics).items():
    numeric = frame.select_dtypes("number")
    x = "epoch" if "epoch" in frame else None
    long = frame.reset_index().melt(
        id_vars=[x or "index"], value_vars=[c for c in numeric.columns if c != x], var_name="series"
    )
    st.markdown(f"**{name}** ({current.version})")
    st.altair_chart(
        alt.Chart(long)
        .mark_line()
        .encode(x=f"{x or 'index'}:Q", y="value:Q", color="series:N", tooltip=list(long.columns))
        .properties(height=220),
        key=f"series_{name}",
    )
