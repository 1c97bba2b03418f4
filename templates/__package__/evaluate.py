"""Step 3: score the saved model on the test data and write the reports.

    python -m <package>.evaluate [configs/examples/baseline.yml]

Writes reports/metrics.json (for comparing runs), reports/predictions.csv,
the error-analysis figures in reports/figures/ and the merged config in
reports/config.yml, then adds them to the training's MLflow run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import pandas as pd

from . import config as configs
from . import data, figures, models, tracking
from .cli import run_step
from .config import Config
from .metrics import regression_metrics

log = logging.getLogger(f"{__package__}.evaluate")  # not __main__ under python -m

# Settings that change the model or its data: evaluating with other values than
# the training used would score a different experiment than the one named.
TRAINING_SECTIONS = ("data", "split", "model")


def training_mismatch(config: Config) -> list[str]:
    """Settings in TRAINING_SECTIONS whose value differs from the saved model's config."""
    saved_path = config.path("outputs", "model_config")
    if not saved_path.is_file():
        return []
    saved = configs.read_yaml(saved_path)
    current = tracking.flatten({k: config.values[k] for k in TRAINING_SECTIONS})
    trained = tracking.flatten({k: saved.get(k, {}) for k in TRAINING_SECTIONS})
    return sorted(k for k in current.keys() | trained.keys() if current.get(k) != trained.get(k))


def evaluate(config: Config) -> dict[str, float]:
    """Predicts the test rows, writes metrics, predictions, figures and config, and tracks them."""
    outputs = config.section("evaluation")
    target = config.section("data")["target"]
    frame = data.read_csv(config.path("data", "test"), hint="run etl with this experiment first")
    features, actual = data.features_and_target(frame, target)
    model = models.load(config.path("outputs", "model"))
    mismatch = training_mismatch(config)
    if mismatch:
        log.warning(
            "The saved model was trained with other settings (%s): run train with %s first",
            ", ".join(mismatch),
            config.source,
        )
    predicted = model.predict(features)
    scores = regression_metrics(actual, predicted)
    log.info(
        "Test metrics on %d rows: %s",
        len(frame),
        ", ".join(f"{k} {v:.4g}" for k, v in scores.items()),
    )

    metrics_path = config.path("outputs", "metrics")
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    predictions = pd.DataFrame({"actual": actual.to_numpy(), "predicted": predicted})
    predictions["residual"] = predictions["actual"] - predictions["predicted"]
    predictions_path = data.write_csv(predictions, config.path("outputs", "predictions"))
    figure_paths = [
        figures.draw(
            name, actual.to_numpy(), predicted, config.path("outputs", "figures"), outputs["dpi"]
        )
        for name in outputs["figures"]
    ]
    config_path = configs.save(config, config.path("outputs", "config"))
    log.info(
        "Wrote %s, %s, %s and %d figure(s) in %s",
        metrics_path,
        predictions_path,
        config_path,
        len(figure_paths),
        config.path("outputs", "figures"),
    )

    with tracking.start_run(config, continue_from=config.path("outputs", "run")) as run:
        if not run.continued:
            run.log_params(tracking.flatten(config.values))
        run.log_metrics({f"test_{k}": v for k, v in scores.items()})
        for path in (metrics_path, predictions_path, config_path):
            run.log_artifact(path, "reports")
        for path in figure_paths:
            run.log_artifact(path, "reports/figures")
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    return run_step("evaluate", "Score the saved model and write the reports.", evaluate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
