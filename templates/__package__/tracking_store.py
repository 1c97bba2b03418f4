"""Where MLflow runs go: one tracking store for this machine and the containers.

The compose stack's MLflow server keeps every run, its store in mlruns/
(mlruns/mlflow.db and mlruns/artifacts/). In the containers
MLFLOW_TRACKING_URI points at it (http://mlflow:5000). A step started on this
machine finds the same server at http://127.0.0.1:<MLFLOW_HOST_PORT> (the
port from the environment, else .env, else .env.example) while it answers,
so that the MLflow UI shows the runs of both. MLFLOW_TRACKING_URI, when set,
always decides: another server, or a store of your own without one
(``sqlite:///mlruns-local.db``).
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

PORT_VARIABLE = "MLFLOW_HOST_PORT"
SETTINGS_FILES = (".env", ".env.example")


def dotenv_value(path: Path, key: str) -> str | None:
    """``key``'s value in a dotenv file, unquoted; None when the file or the key is missing.

    Only a regular file is read: a FIFO or a device in its place would block.
    """
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        name, equals, value = line.strip().partition("=")
        if equals and name.removeprefix("export ").strip() == key:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return value
    return None


def host_port(root: Path) -> int | None:
    """The host port of the project's MLflow server, as docker compose publishes it."""
    raw = os.environ.get(PORT_VARIABLE) or next(
        (v for v in (dotenv_value(root / name, PORT_VARIABLE) for name in SETTINGS_FILES) if v),
        None,
    )
    if raw is None or not raw.isdigit() or not 0 < int(raw) < 65536:
        return None
    return int(raw)


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether an MLflow server answers at ``url``: its /health says OK."""
    # No proxy: a proxy from the environment must not stand between us and 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=timeout) as response:
            return response.status == 200 and response.read(16).strip() == b"OK"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def locate(root: Path) -> tuple[str | None, str]:
    """The tracking URI for a step run in the project at ``root``, or None and why there is none."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri, ""
    port = host_port(root)
    if port is None:
        return None, (
            f"MLFLOW_TRACKING_URI is not set, and {PORT_VARIABLE} is in neither the environment, "
            ".env nor .env.example"
        )
    url = f"http://127.0.0.1:{port}"
    if answers(url):
        return url, ""
    return None, (
        f"MLFLOW_TRACKING_URI is not set, and no MLflow server answers at {url} "
        "(make create-container starts the project's)"
    )
