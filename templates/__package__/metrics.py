"""Regression metrics, as plain floats ready for JSON and MLflow."""

from __future__ import annotations

import math

from numpy.typing import ArrayLike
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def regression_metrics(actual: ArrayLike, predicted: ArrayLike) -> dict[str, float]:
    """The usual four, each answering its own question.

    RMSE is in the target's unit, MAE is less swayed by a few large errors, and
    R² is the share of the target's variance the model explains (0: no better
    than predicting the mean).
    """
    mse = float(mean_squared_error(actual, predicted))
    return {
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mae": float(mean_absolute_error(actual, predicted)),
        "r2": float(r2_score(actual, predicted)),
    }
