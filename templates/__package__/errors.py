"""The problems a user fixes by editing a file or running an earlier step.

Each step shows them as one line, without a traceback (cli.run_step); any
other exception is a bug and keeps its traceback.
"""


class PipelineError(Exception):
    """A problem fixed by editing a file or running an earlier step: shown without a traceback."""


class ConfigError(PipelineError, ValueError):
    """A configuration file is missing or unreadable, or holds a value its schema refuses."""
