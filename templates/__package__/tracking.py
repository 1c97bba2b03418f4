"""MLflow tracking that never stands between a run and its results.

Runs go to the project's tracking server (tracking_store.py says how it is
found from a container and from this machine). Every result is written to
reports/ and models/ first; tracking only copies it. So when mlflow is not
installed, is switched off (``tracking.enabled: false``) or no server can be
reached, the step logs one warning and carries on.

A run is tagged with ML_PROJECT_RUN_ID and ML_PROJECT_COMMIT when they are
set (the runner sets them for a run on a remote machine), and the trained
model is logged with its MLflow flavour, a signature and an input example,
and registered under ``tracking.registered_model`` where the server has a
model registry.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

from . import tracking_store
from .config import Config

log = logging.getLogger(__name__)

_warned_missing = False

# Environment variables a run is tagged with, when set: variable -> tag.
RUN_TAGS = {
    "ML_PROJECT_RUN_ID": ("ml_project.run_id",),
    # MLflow's own commit tag too: the UI shows it, where MLflow finds no git to read it from.
    "ML_PROJECT_COMMIT": ("ml_project.commit", "mlflow.source.git.commit"),
}


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


def has_registry(uri: str) -> bool:
    """Whether the store at ``uri`` has a model registry: a server or a database, not files."""
    return urlparse(uri).scheme not in ("", "file")


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
        uri: str | None = None,
    ) -> None:
        self._mlflow = mlflow
        self.id = run_id
        self.continued = continued
        self.uri = uri

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

    def log_model(
        self,
        flavor: str,
        model: Any,
        example: Any,
        output: Any,
        registered_name: str | None,
        **options: Any,
    ) -> None:
        """Logs ``model`` with ``mlflow.<flavor>``, its library's MLflow flavour, and registers it.

        The signature is inferred from ``example`` (input rows) and ``output``
        (the model's answer to them); the example is kept with the model. A
        failure here is a warning: the model is in models/ either way.
        """
        if self._mlflow is None or self.uri is None:
            return
        try:
            signature = importlib.import_module("mlflow.models").infer_signature(example, output)
            flavour = importlib.import_module(f"mlflow.{flavor}")
            info = flavour.log_model(
                model, name="model", signature=signature, input_example=example, **options
            )
        except Exception as error:
            log.warning("MLflow could not log the model (%s): it is in models/ only", error)
            return
        if not registered_name:
            return
        if not has_registry(self.uri):
            log.info("The store at %s has no model registry: the model is not registered", self.uri)
            return
        try:
            version = self._mlflow.register_model(info.model_uri, registered_name)
        except Exception as error:
            log.warning(
                "The model is logged, but not registered as %r (%s)", registered_name, error
            )
            return
        log.info("Registered the model as %r, version %s", registered_name, version.version)

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


def environment_tags() -> dict[str, str]:
    """The tags of RUN_TAGS whose variable is set."""
    return {
        tag: os.environ[variable]
        for variable, tags in RUN_TAGS.items()
        if os.environ.get(variable)
        for tag in tags
    }


def _open(config: Config, continue_from: Path | None) -> Run:
    """Starts (or continues) the run, or returns an inactive one with the reason logged."""
    if not config.section("tracking")["enabled"]:
        log.info("Tracking is off (tracking.enabled: false)")
        return Run()
    mlflow = import_mlflow()
    if mlflow is None:
        return Run()
    uri, problem = tracking_store.locate(config.root)
    if uri is None:
        log.warning("%s: this run is not tracked; its results are in reports/ and models/", problem)
        return Run()
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
    run = Run(mlflow, run_id, continued, uri)
    tags = environment_tags()
    if tags:
        run.set_tags(tags)
    return run


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


def record(run: Run, path: Path) -> Path:
    """Writes which run (if any) produced a step's outputs, for the next step to continue."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"run_id": run.id, "tracking_uri": run.uri if run.id else None}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path
