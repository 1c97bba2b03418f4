"""Step 1: raw data to the train and test files in data/processed/.

    python -m <package>.etl [configs/examples/baseline.yml]

The raw file is created from the sample set that ships with scikit-learn when
it is absent (nothing is downloaded) and left untouched when it exists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from . import data
from .cli import run_step
from .config import Config

log = logging.getLogger(f"{__package__}.etl")  # not __main__ under python -m


def etl(config: Config) -> None:
    """Reads (or creates) the raw data, checks the target column and writes the split."""
    settings = config.section("data")
    split = config.section("split")
    frame = data.read_csv(data.ensure_raw(config), hint="check data.raw")
    data.features_and_target(frame, settings["target"])
    before = len(frame)
    frame = frame.dropna(subset=[settings["target"]])
    if len(frame) < before:
        log.warning("Dropped %d rows without a %s value", before - len(frame), settings["target"])
    train, test = data.split(frame, split["test_size"], split["random_state"])
    data.write_csv(train, config.path("data", "train"))
    data.write_csv(test, config.path("data", "test"))
    log.info(
        "Split %d rows into %d train (%s) and %d test (%s)",
        len(frame),
        len(train),
        config.path("data", "train"),
        len(test),
        config.path("data", "test"),
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_step("etl", "Prepare the train and test data.", etl, argv)


if __name__ == "__main__":
    raise SystemExit(main())
