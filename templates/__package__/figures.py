"""Error-analysis figures, drawn with matplotlib's Agg backend.

The object-oriented API with an explicit Agg canvas needs no display and
leaves pyplot's global state alone, so it behaves the same in a container, on
a headless server and inside a notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .config import ConfigError


def predicted_vs_actual(figure: Figure, actual: np.ndarray, predicted: np.ndarray) -> None:
    """Points on the diagonal are perfect predictions; a tilt shows bias at the extremes."""
    axes = figure.subplots(squeeze=False)[0, 0]
    axes.scatter(actual, predicted, s=14, alpha=0.7)
    low = float(min(actual.min(), predicted.min()))
    high = float(max(actual.max(), predicted.max()))
    axes.plot([low, high], [low, high], color="black", linewidth=1, linestyle="--", label="perfect")
    axes.set(xlabel="actual", ylabel="predicted", title="Predicted vs actual")
    axes.legend(loc="upper left")


def residuals(figure: Figure, actual: np.ndarray, predicted: np.ndarray) -> None:
    """Residuals against predictions (patterns mean missed structure) and their spread."""
    errors = actual - predicted
    by_prediction, spread = figure.subplots(1, 2)
    by_prediction.scatter(predicted, errors, s=14, alpha=0.7)
    by_prediction.axhline(0, color="black", linewidth=1, linestyle="--")
    by_prediction.set(xlabel="predicted", ylabel="actual - predicted", title="Residuals")
    spread.hist(errors, bins=30)
    spread.set(xlabel="actual - predicted", ylabel="count", title="Residual distribution")


FIGURES: dict[str, Callable[[Figure, np.ndarray, np.ndarray], None]] = {
    "predicted_vs_actual": predicted_vs_actual,
    "residuals": residuals,
}


def draw(name: str, actual: np.ndarray, predicted: np.ndarray, folder: Path, dpi: int) -> Path:
    """Draws the figure ``name`` into ``folder/<name>.png``."""
    if name not in FIGURES:
        raise ConfigError(f"evaluation.figures: unknown figure {name!r} ({', '.join(FIGURES)})")
    figure = Figure(figsize=(10, 4.5) if name == "residuals" else (5.5, 5), layout="constrained")
    FigureCanvasAgg(figure)
    FIGURES[name](figure, np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    figure.savefig(path, dpi=dpi)
    return path
