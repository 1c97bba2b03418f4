"""Serve the model a run produced over HTTP (FastAPI, uvicorn).

    python -m <package>.serve [--host H] [--port N] [CONFIG]

GET /health says the model is ready and what it takes; POST /predict predicts
for rows of JSON (api.py has the details; /docs shows them). The model is the
one train saved for CONFIG (outputs.model), loaded once at start. It listens
on 127.0.0.1 unless --host says otherwise: 0.0.0.0 only in a container, whose
port compose publishes on the host's 127.0.0.1.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

from . import inference
from .cli import run_step
from .config import Config
from .errors import PipelineError

log = logging.getLogger(f"{__package__}.serve")  # not __main__ under python -m

DEFAULT_PORT = 8000


def serve(config: Config, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Loads the model, then answers requests until interrupted (Ctrl-C, SIGTERM)."""
    try:
        import uvicorn

        from .api import create_app
    except ImportError as error:
        raise PipelineError(
            f"Serving needs fastapi and uvicorn ({error.name} is missing): "
            "pip install -r requirements.txt"
        ) from None
    # Any: uvicorn's ASGI types and starlette's differ from one release to the next.
    app: Any = create_app(inference.load(config), config)
    shown_host = f"[{host}]" if ":" in host else host
    log.info("Serving on http://%s:%d (POST /predict, GET /health, /docs)", shown_host, port)
    # log_config=None: uvicorn's lines go through this step's logging, in its format, once.
    uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)


def port_number(text: str) -> int:
    """A TCP port from the command line: 1 to 65535."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default: {DEFAULT_PORT})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_step("serve", "Serve the trained model over HTTP.", serve, argv, arguments)


if __name__ == "__main__":
    raise SystemExit(main())
