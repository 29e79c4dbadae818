"""`ringwatch generate`: write a synthetic Pix world with planted mule rings.

A thin layer over `data.generator`: it turns options into a `GeneratorConfig`, shows progress
and prints one summary line. All knobs are validated by the config, which raises
`RingwatchError` with a message naming the option.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from data.generator import GeneratorConfig, parse_mix, profiles, write_world
from data.generator.config import PROFILES
from ringwatch.errors import RingwatchError

WRITE_STEPS = 9  # shared strings, seven datasets, ground truth
DEFAULT = GeneratorConfig()
PROFILE_HELP = (
    "World to generate: "
    + "; ".join(f"'{name}': {text}" for name, text in PROFILES.items())
    + ". The ring and label options below (--ring-share to --detection-delay) shape pix-fast only; "
    "giving one with another profile is an error."
)


def generate(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Directory to write into (created if missing; files of an earlier run are "
            "replaced).",
        ),
    ],
    scale: Annotated[
        float,
        typer.Option(
            "--scale",
            help="Size factor. 1 gives the default volumes of docs/domain.md (20,000 accounts, "
            "50,000 transactions, 100,000 logins); every file grows linearly. 20 is about 1M "
            "transactions.",
        ),
    ] = DEFAULT.scale,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Random seed. The same seed and options give byte-identical files."
        ),
    ] = DEFAULT.seed,
    days: Annotated[
        int,
        typer.Option(
            "--days",
            help="Days of history (7..366). Every file but the accounts grows with it; the "
            "number of rings or laundering groups does not (they spread over the longer "
            "history).",
        ),
    ] = DEFAULT.days,
    profile: Annotated[str, typer.Option("--profile", help=PROFILE_HELP)] = DEFAULT.profile,
    no_devices: Annotated[
        bool,
        typer.Option(
            "--no-devices",
            help="Write dispositivos and log_autenticacao with their header only (no rows), "
            "for a transactions-only dataset; every other file is unchanged.",
        ),
    ] = False,
    format: Annotated[
        str,
        typer.Option(
            "--format", help="csv or parquet for the seven datasets (ground truth is always CSV)."
        ),
    ] = "csv",
    ring_share: Annotated[
        float,
        typer.Option(
            "--ring-share",
            help="Share of accounts that are members of a planted ring (0..0.2). Every typology "
            "with a positive weight gets at least one ring, which dominates at small scales.",
        ),
    ] = DEFAULT.ring_share,
    typology_mix: Annotated[
        str,
        typer.Option(
            "--typology-mix",
            help="Relative weights of the ring typologies, e.g. 'fan_in=2,cycle=0'. Unnamed "
            "typologies keep weight 1; weight 0 removes one. Names: fan_in, fan_out, "
            "layering_chain, cycle, scatter_gather, mule_farm, account_takeover, rented_account.",
        ),
    ] = "",
    fraud_coverage: Annotated[
        float,
        typer.Option(
            "--fraud-coverage",
            help="Share of rings for which the bank has at least one case in fraudes (0..1).",
        ),
    ] = DEFAULT.fraud_coverage,
    case_share: Annotated[
        float,
        typer.Option(
            "--case-share",
            help="Within a covered ring, share of the victims' payments that became a case (0..1).",
        ),
    ] = DEFAULT.case_share,
    label_noise: Annotated[
        float,
        typer.Option(
            "--label-noise",
            help="Share of fraudes records whose verdict is wrong (0..0.5): innocent payments "
            "confirmed as fraud, real fraud dismissed.",
        ),
    ] = DEFAULT.label_noise,
    detection_delay: Annotated[
        float,
        typer.Option(
            "--detection-delay",
            help="Median days from a fraudulent payment to its detection (0.5..60). Cases detected "
            "after the end of the window are not in fraudes.",
        ),
    ] = DEFAULT.detection_delay_days,
) -> None:
    """Generate the seven Pix datasets, with planted mule rings (pix-fast) or laundering groups
    (slow-layering) and innocent look-alikes, plus ground_truth_rings.csv and
    ground_truth_lookalikes.csv (for evaluation only)."""
    config = GeneratorConfig(
        scale=scale,
        seed=seed,
        days=days,
        fmt=format.lower(),
        ring_share=ring_share,
        typology_mix=parse_mix(typology_mix),
        fraud_coverage=fraud_coverage,
        case_share=case_share,
        label_noise=label_noise,
        detection_delay_days=detection_delay,
        profile=profile,
        devices=not no_devices,
    )
    chosen = profiles.get(config.profile)
    if out.exists() and not out.is_dir():
        raise RingwatchError(f"--out {out} is a file; give a directory (it is created if missing)")
    started = time.perf_counter()
    with tqdm(total=len(chosen.stages) + WRITE_STEPS, unit="step", leave=False) as bar:

        def step(name: str) -> None:
            """Called as each step starts: count the previous one as done."""
            bar.update(1 if bar.desc else 0)
            bar.set_description(name)

        world = chosen.build(config, step)
        try:
            counts = write_world(world, out, progress=step)
        except OSError as exc:
            raise RingwatchError(
                f"cannot write to {out}: {exc.strerror or exc}; choose another --out"
            ) from exc
        bar.update(1)
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    typer.echo(f"wrote {len(counts)} files to {out} in {seconds:.1f} s: {rows}")
