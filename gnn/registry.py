"""Versioned models on disk: ``<models>/<version>/`` holds the GraphSAGE weights (and the
baselines'), the feature list, the normalisation, the training-data hash, the seed, the
metrics and a model card; ``<models>/current`` names the version scoring uses."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from gnn.dataset import Normaliser
from gnn.features import FEATURES
from ringwatch.errors import RingwatchError

CURRENT = "current"


@dataclass
class ModelMeta:
    """What a stored model needs to be used (and audited) later."""

    version: str
    features: list[str]
    mean: list[float]
    std: list[float]
    data_hash: str
    seed: int
    config: dict[str, Any]
    cutoff: int
    created: str

    @property
    def normaliser(self) -> Normaliser:
        return Normaliser(np.asarray(self.mean), np.asarray(self.std))


@dataclass
class LoadedModel:
    meta: ModelMeta
    sage: Any  # gnn.model.MuleSAGE in eval mode
    hybrid: Any = None  # gnn.hybrid.Hybrid of two LightGBM boosters, when saved
    references: dict[str, np.ndarray] | None = None  # score quantiles per model

    def predict(self, data: Any) -> np.ndarray:
        """Mule score of every node of ``data``: the ensemble (mean rank of the hybrid and
        GraphSAGE, read off their stored score quantiles; the best ranker,
        docs/benchmarks.md#gnn) when the version has both, else GraphSAGE's."""
        from gnn import train

        sage = train.predict(self.sage, data)
        if self.hybrid is None or self.references is None:
            return sage
        hybrid = train.predict_hybrid(self.hybrid, data)
        refs = [self.references["hybrid"], self.references["graphsage"]]
        return train.reference_rank_mean([hybrid, sage], refs)


def new_version(data_hash: str, now: datetime | None = None) -> str:
    """A sortable, unique version name: time of training and the data hash's prefix."""
    return f"v{(now or datetime.now()):%Y%m%d-%H%M%S}-{data_hash[:8]}"


def unique_version(models_dir: Path, data_hash: str, now: datetime | None = None) -> str:
    """``new_version``, with ``-2``, ``-3``... appended when a version of the same second and
    data already exists (two trainings within a second)."""
    base = new_version(data_hash, now)
    version, n = base, 1
    while (models_dir / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


def save(
    models_dir: Path,
    meta: ModelMeta,
    sage: Any,
    mlp: Any = None,
    lgbm: Any = None,
    metrics: dict[str, Any] | None = None,
    card: str = "",
    make_current: bool = True,
    hybrid: Any = None,
    references: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write a model version; point ``current`` at it unless told otherwise."""
    import torch

    folder = models_dir / meta.version
    folder.mkdir(parents=True, exist_ok=False)
    torch.save(sage.state_dict(), folder / "graphsage.pt")
    if mlp is not None:
        torch.save(mlp.state_dict(), folder / "mlp.pt")
    if lgbm is not None:
        lgbm.booster_.save_model(str(folder / "lightgbm.txt"))
    if hybrid is not None:
        hybrid.stage1.booster_.save_model(str(folder / "hybrid_stage1.txt"))
        hybrid.stage2.booster_.save_model(str(folder / "hybrid_stage2.txt"))
    if references is not None:
        refs = {k: np.asarray(v).tolist() for k, v in references.items()}
        (folder / "score_reference.json").write_text(json.dumps(refs))
    (folder / "meta.json").write_text(json.dumps(asdict(meta), indent=2))
    (folder / "features.json").write_text(json.dumps(meta.features, indent=2))
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    (folder / "model_card.md").write_text(card)
    if make_current:
        set_current(models_dir, meta.version)
    return folder


def set_current(models_dir: Path, version: str) -> None:
    if not (models_dir / version / "meta.json").exists():
        raise RingwatchError(f"No model {version!r} in {models_dir}; see `ls {models_dir}`.")
    tmp = models_dir / (CURRENT + ".tmp")
    tmp.write_text(version + "\n")
    tmp.replace(models_dir / CURRENT)


def current_version(models_dir: Path) -> str:
    pointer = models_dir / CURRENT
    if not pointer.exists():
        raise RingwatchError(f"No current model in {models_dir}: train one with `ringwatch train`.")
    return pointer.read_text().strip()


def load(
    models_dir: Path, version: str | None = None, features: tuple[str, ...] = FEATURES
) -> LoadedModel:
    """Load a version (default: current); refuse one trained on another feature list."""
    import torch

    from gnn.train import TrainConfig, make_sage

    version = version or current_version(models_dir)
    folder = models_dir / version
    if not (folder / "meta.json").exists():
        raise RingwatchError(f"No model {version!r} in {models_dir}.")
    meta = ModelMeta(**json.loads((folder / "meta.json").read_text()))
    if list(meta.features) != list(features):
        missing = sorted(set(features) - set(meta.features))
        extra = sorted(set(meta.features) - set(features))
        raise RingwatchError(
            f"Model {version} was trained on another feature list (missing {missing}, extra "
            f"{extra}, or another order); retrain with `ringwatch train`."
        )
    sage = make_sage(len(features), TrainConfig(**meta.config))
    sage.load_state_dict(torch.load(folder / "graphsage.pt", weights_only=True))
    sage.eval()
    refs = None
    if (folder / "score_reference.json").exists():
        raw = json.loads((folder / "score_reference.json").read_text())
        refs = {k: np.asarray(v) for k, v in raw.items()}
    return LoadedModel(meta, sage, _load_hybrid(folder), refs)


def _load_hybrid(folder: Path) -> Any:
    if not (folder / "hybrid_stage2.txt").exists():
        return None
    import lightgbm as lgb

    from gnn.hybrid import Hybrid

    stage1 = lgb.Booster(model_file=str(folder / "hybrid_stage1.txt"))
    stage2 = lgb.Booster(model_file=str(folder / "hybrid_stage2.txt"))
    return Hybrid(stage1, stage2, stage2.feature_name())
