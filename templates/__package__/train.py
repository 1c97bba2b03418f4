"""Step 2: fit the configured model on the training data and save it in models/.

python -m <package>.train [configs/examples/baseline.yml]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from . import config as configs
from . import data, models, tracking
from .cli import run_step
from .config import Config
from .metrics import regression_metrics

log = logging.getLogger(f"{__package__}.train")  # not __main__ under python -m


def train(config: Config) -> None:
    """Fits, saves the model with the config it was trained with, and tracks both."""
    target = config.section("data")["target"]
    frame = data.read_csv(config.path("data", "train"), hint="run etl with this experiment first")
    features, actual = data.features_and_target(frame, target)
    model = models.build(config.section("model"))
    log.info(
        "Fitting %s on %d rows x %d features",
        config.section("model")["type"],
        *features.shape,
    )
    started = time.perf_counter()
    model.fit(features, actual)
    seconds = time.perf_counter() - started
    fit = regression_metrics(actual, model.predict(features))
    log.info(
        "Fitted in %.2fs; on the training data: rmse %.4g, r2 %.4g", seconds, fit["rmse"], fit["r2"]
    )

    model_path = models.save(model, config.path("outputs", "model"))
    config_path = configs.save(config, config.path("outputs", "model_config"))
    log.info("Saved the model to %s and its config to %s", model_path, config_path)

    with tracking.start_run(config) as run:
        run.set_tags(
            {"experiment_file": str(config.source), "model_type": config.section("model")["type"]}
        )
        if config.section("experiment").get("description"):
            run.set_tags({"mlflow.note.content": config.section("experiment")["description"]})
        run.log_params(tracking.flatten(config.values))
        run.log_metrics({"fit_seconds": seconds, **{f"train_{k}": v for k, v in fit.items()}})
        run.log_artifact(model_path, "model")
        run.log_artifact(config_path, "model")
        tracking.record(run, config, config.path("outputs", "run"))


def main(argv: Sequence[str] | None = None) -> int:
    return run_step("train", "Fit the configured model and save it.", train, argv)


if __name__ == "__main__":
    raise SystemExit(main())
