"""Runs: detection-run history and the GNN's model metrics, with charts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import modelmetrics, ui

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

st.subheader("Model metrics")
opts = ui.options()
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
        {"version": m.version, "current": m.current, **modelmetrics.scalars(m.metrics)}
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
