"""The command line shared by the pipeline steps.

Each step takes one optional argument, the experiment file, so that
``python -m <package>.<step> configs/examples/<name>.yml`` is the whole interface
for the Makefile, scripts and people alike.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

from .config import BASE_CONFIG, DEFAULT_EXPERIMENT, Config, PipelineError, load_config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def parse_args(step: str, summary: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """The experiment file argument, defaulting to the baseline."""
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}.{step}", description=summary)
    parser.add_argument(
        "config",
        nargs="?",
        default=str(DEFAULT_EXPERIMENT),
        help=f"experiment file merged over {BASE_CONFIG} (default: {DEFAULT_EXPERIMENT})",
    )
    return parser.parse_args(argv)


def run_step(
    step: str,
    summary: str,
    body: Callable[[Config], object],
    argv: Sequence[str] | None = None,
) -> int:
    """Parses the arguments, sets up logging, loads the config and runs ``body``.

    Returns the exit code: 0 on success, 1 for a problem the user can fix
    (missing file, unknown setting, step run out of order), shown as one line.
    """
    args = parse_args(step, summary, argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    log = logging.getLogger(f"{__package__}.{step}")
    try:
        config = load_config(args.config)
        log.info("Experiment %s (%s merged over %s)", config.name, config.source, BASE_CONFIG)
        body(config)
    except PipelineError as error:
        log.error("%s", error)
        return 1
    return 0
