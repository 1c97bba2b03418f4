"""MLflow tracking that never stands between a run and its results.

Runs go to ``MLFLOW_TRACKING_URI`` when it is set (the compose stack points it
at its MLflow server), otherwise to the local store ``mlruns/`` in the project
folder. Every result is written to reports/ and models/ first; tracking only
copies it. So when mlflow is not installed, is switched off
(``tracking.enabled: false``) or its server cannot be reached, the step logs
one warning and carries on.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from .config import Config

log = logging.getLogger(__name__)

_warned_missing = False


def import_mlflow() -> ModuleType | None:
    """The mlflow module, or None with one warning per process when it is not installed."""
    global _warned_missing
    try:
        # Optional: a machine without it runs untracked, as below.
        import mlflow  # pyright: ignore[reportMissingImports]
    except ImportError:
        if not _warned_missing:
            _warned_missing = True
            log.warning(
                "mlflow is not installed: this run is not tracked; its results are in "
                "reports/ and models/ (pip install -r requirements.txt to track runs)"
            )
        return None
    return mlflow


def tracking_uri(root: Path) -> str:
    """Where runs go: ``MLFLOW_TRACKING_URI``, else ``mlruns/`` under the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or (root / "mlruns").resolve().as_uri()


class Run:
    """One MLflow run, or a stand-in whose methods do nothing when tracking is off.

    A tracking call that fails (server gone mid-run) logs one warning and turns
    the run off instead of failing the step.
    """

    def __init__(
        self,
        mlflow: ModuleType | None = None,
        run_id: str | None = None,
        continued: bool = False,
    ) -> None:
        self._mlflow = mlflow
        self.id = run_id
        self.continued = continued

    @property
    def active(self) -> bool:
        return self._mlflow is not None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> None:
        if self._mlflow is None:
            return
        try:
            getattr(self._mlflow, method)(*args, **kwargs)
        except Exception as error:
            log.warning(
                "MLflow %s failed (%s): tracking is off for the rest of this run", method, error
            )
            self._mlflow = None

    def log_params(self, params: Mapping[str, str]) -> None:
        self._call("log_params", dict(params))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Logs metrics, as one point of a curve per ``step`` (an epoch) when given."""
        self._call("log_metrics", dict(metrics), step=step)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._call("set_tags", dict(tags))

    def log_artifact(self, path: Path, folder: str | None = None) -> None:
        self._call("log_artifact", str(path), folder)

    def end(self, status: str) -> None:
        self._call("end_run", status)


def _previous_run_id(run_file: Path | None, uri: str) -> str | None:
    """The run a previous step recorded in ``run_file``, if it went to the same store."""
    if run_file is None or not run_file.is_file():
        return None
    try:
        recorded = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded.get("run_id") if recorded.get("tracking_uri") == uri else None


def _open(config: Config, continue_from: Path | None) -> Run:
    """Starts (or continues) the run, or returns an inactive one with the reason logged."""
    if not config.section("tracking")["enabled"]:
        log.info("Tracking is off (tracking.enabled: false)")
        return Run()
    mlflow = import_mlflow()
    if mlflow is None:
        return Run()
    uri = tracking_uri(config.root)
    previous = _previous_run_id(continue_from, uri)
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(config.section("experiment")["name"])
        active = None
        if previous:
            try:
                active = mlflow.start_run(run_id=previous)
            except Exception as error:
                log.warning("Run %s cannot be continued (%s): starting a new one", previous, error)
        continued = active is not None
        if active is None:
            active = mlflow.start_run(run_name=config.name)
    except Exception as error:
        log.warning("MLflow at %s cannot be used (%s): this run is not tracked", uri, error)
        return Run()
    run_id = active.info.run_id
    experiment = config.section("experiment")["name"]
    log.info("Tracking run %s (%s) in experiment %r at %s", run_id, config.name, experiment, uri)
    return Run(mlflow, run_id, continued)


@contextmanager
def start_run(
    config: Config, continue_from: Path | None = None, enabled: bool = True
) -> Iterator[Run]:
    """An MLflow run for one step, ended as FINISHED, or FAILED when the step raises.

    ``continue_from`` is a run file written by :func:`record` in an earlier
    step: evaluation continues the training's run, so that one run holds the
    params, the model, the metrics and the figures. ``enabled=False`` gives
    the inactive run, for processes that must not track (all but one of many).
    """
    run = _open(config, continue_from) if enabled else Run()
    try:
        yield run
    except BaseException:
        run.end("FAILED")
        raise
    run.end("FINISHED")


def record(run: Run, config: Config, path: Path) -> Path:
    """Writes which run (if any) produced a step's outputs, for the next step to continue."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"run_id": run.id, "tracking_uri": tracking_uri(config.root) if run.id else None}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path
