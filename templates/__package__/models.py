"""The estimators an experiment can choose by name, and saving them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
from sklearn.base import BaseEstimator
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .config import ConfigError, PipelineError

# model.type -> estimator class; model.params are passed to it as keyword arguments.
ESTIMATORS: dict[str, type[BaseEstimator]] = {
    "linear": LinearRegression,
    "ridge": Ridge,
    "lasso": Lasso,
    "random_forest": RandomForestRegressor,
    "gradient_boosting": GradientBoostingRegressor,
}


def build(settings: dict[str, Any]) -> Pipeline:
    """An unfitted pipeline from the ``model`` section: optional scaling, then the estimator.

    Scaling lives inside the pipeline so that the saved model applies it to new
    data by itself.
    """
    kind = settings["type"]
    if kind not in ESTIMATORS:
        known = ", ".join(sorted(ESTIMATORS))
        raise ConfigError(f"model.type {kind!r} is not one of: {known}")
    params = settings.get("params") or {}
    try:
        estimator = ESTIMATORS[kind](**params)
    except TypeError as error:
        raise ConfigError(f"model.params do not fit {kind}: {error}") from None
    steps: list[tuple[str, Any]] = (
        [("scale", StandardScaler())] if settings["scale_features"] else []
    )
    return Pipeline([*steps, ("model", estimator)])


def save(model: Pipeline, path: Path) -> Path:
    """Writes a fitted model with joblib, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load(path: Path) -> Pipeline:
    """A model written by :func:`save`."""
    if not path.is_file():
        raise PipelineError(f"{path} not found: run train with this experiment first")
    return joblib.load(path)
