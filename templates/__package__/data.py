"""Tabular data: the sample set, reading and writing CSV, the train/test split."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from .config import Config, ConfigError, PipelineError

log = logging.getLogger(__name__)


def _diabetes() -> pd.DataFrame:
    """442 patients, 10 baseline measurements, disease progression after one year."""
    # A Bunch, not the (X, y) tuple the signature also allows: return_X_y is off.
    return cast(Bunch, load_diabetes(as_frame=True, scaled=False)).frame


# Sample sets that ship inside scikit-learn: the pipeline runs offline on day one.
SAMPLES: dict[str, Callable[[], pd.DataFrame]] = {"diabetes": _diabetes}


def ensure_raw(config: Config) -> Path:
    """The raw data file, written from ``data.sample`` first when it does not exist yet.

    An existing file is never overwritten, so replacing it with real data (or
    pointing ``data.raw`` elsewhere) is all it takes to switch datasets.
    """
    settings = config.section("data")
    raw = config.path("data", "raw")
    if raw.is_file():
        log.info("Raw data: %s", raw)
        return raw
    sample = settings["sample"]
    if not sample:
        raise PipelineError(f"Raw data {raw} not found, and data.sample is off: put the file there")
    if sample not in SAMPLES:
        known = ", ".join(sorted(SAMPLES))
        raise ConfigError(f"data.sample {sample!r} is not a known sample set ({known}, or null)")
    frame = SAMPLES[sample]()
    write_csv(frame, raw)
    log.info("Wrote the %s sample set (%d rows) to %s", sample, len(frame), raw)
    return raw


def read_csv(path: Path, hint: str) -> pd.DataFrame:
    """A CSV file as a frame; ``hint`` tells how to produce a missing file."""
    if not path.is_file():
        raise PipelineError(f"{path} not found: {hint}")
    return pd.read_csv(path)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Writes ``frame`` without its index, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def features_and_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Splits the columns into the model's inputs and the value to predict."""
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ConfigError(f"data.target {target!r} is not a column of the data ({columns})")
    return frame.drop(columns=[target]), cast(pd.Series, frame[target])  # one column: a Series


def split(
    frame: pd.DataFrame, test_size: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reproducible train/test split: the same settings give the same rows."""
    if not 0 < test_size < 1:
        raise ConfigError(f"split.test_size must be between 0 and 1, not {test_size}")
    train, test = train_test_split(frame, test_size=test_size, random_state=random_state)
    return cast(pd.DataFrame, train), cast(pd.DataFrame, test)  # a frame in, frames out
