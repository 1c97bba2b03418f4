"""Experiment configuration: the base file plus one experiment's changes.

configs/config.yml declares every setting with its default (written from the
schema, schema.py). An experiment file (configs/examples/*.yml) holds only
what it changes, so a diff between two experiments is the diff between two
small files. Merging rules:

- mappings merge key by key, recursively;
- lists and scalars replace the base value whole;
- a key the base does not declare is an error (a typo such as ``test_sise``
  would otherwise be ignored silently), except under the open sections listed
  in ``OPEN_SECTIONS``, whose keys belong to the chosen model.

The merged settings are then checked against the schema: types, ranges and
choices, and the chosen model's parameters; a refusal names the setting and
the file that set it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import schema
from .errors import ConfigError

BASE_CONFIG = Path("configs") / "config.yml"
DEFAULT_EXPERIMENT = Path("configs") / "examples" / "baseline.yml"

# Sections whose keys are not declared in the base: they are passed through to
# the model, whose accepted parameters depend on ``model.type``.
OPEN_SECTIONS: frozenset[tuple[str, ...]] = frozenset({("model", "params")})


@dataclass(frozen=True)
class Config:
    """The merged settings of one run and the project folder its paths are relative to."""

    values: dict[str, Any]
    root: Path
    source: Path

    @property
    def name(self) -> str:
        """The run name: ``experiment.run_name``, else the experiment file's stem."""
        return self.values["experiment"].get("run_name") or self.source.stem

    def section(self, name: str) -> dict[str, Any]:
        """A top-level section, e.g. ``config.section("model")``."""
        return self.values[name]

    def path(self, section: str, key: str) -> Path:
        """A path setting resolved against the project root (absolute paths stay as they are)."""
        return self.root / self.values[section][key]


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding configs/config.yml.

    Searching upwards lets notebooks (run from notebooks/) and shells in a
    subfolder use the same relative paths as the Makefile.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / BASE_CONFIG).is_file():
            return folder
    raise ConfigError(
        f"No {BASE_CONFIG} found in {here} or any folder above it: run from the project folder."
    )


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping; an empty file is an empty mapping."""
    if not path.is_file():
        raise ConfigError(f"Config file not found: {path}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping of settings, not {type(loaded).__name__}")
    return loaded


def merge(
    base: Mapping[str, Any], delta: Mapping[str, Any], _at: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``base`` with ``delta`` laid over it, following the rules in the module docstring.

    Neither argument is modified.
    """
    merged = copy.deepcopy(dict(base))
    open_section = any(_at[: len(section)] == section for section in OPEN_SECTIONS)
    for key, value in delta.items():
        where = ".".join((*_at, str(key)))
        if key not in merged:
            if not open_section:
                known = ", ".join(sorted(map(str, merged))) or "none"
                raise ConfigError(f"Unknown setting '{where}' (known here: {known})")
            merged[key] = copy.deepcopy(value)
            continue
        current = merged[key]
        if isinstance(current, Mapping):
            if not isinstance(value, Mapping):
                raise ConfigError(f"Setting '{where}' must be a mapping, like in the base config")
            merged[key] = merge(current, value, (*_at, str(key)))
        elif isinstance(value, Mapping) and current is not None and not open_section:
            raise ConfigError(f"Setting '{where}' must be a single value, not a mapping")
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_experiment(path: str | Path, root: Path) -> Path:
    """The experiment file: as given (relative to cwd), else relative to the project root."""
    given = Path(path)
    if given.is_file() or given.is_absolute():
        return given
    return root / given


def sets(delta: Mapping[str, Any], name: str) -> bool:
    """Whether the settings ``delta`` give the dotted setting ``name``, or a value above it."""
    node: Any = delta
    for part in name.split("."):
        if not isinstance(node, Mapping):
            return True  # a value in place of the mapping that held ``name``
        if part not in node:
            return False
        node = node[part]
    return True


def shown_path(path: Path, root: Path) -> str:
    """``path`` as messages name it: relative to the project folder when it is inside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_config(path: str | Path = DEFAULT_EXPERIMENT, root: Path | None = None) -> Config:
    """The base config of the project at ``root``, with the experiment file ``path`` over it.

    Raises ConfigError for an unknown key or a value the schema refuses, naming
    the setting and the file it came from.
    """
    project = root or find_root()
    source = resolve_experiment(path, project)
    base = read_yaml(project / BASE_CONFIG)
    delta = read_yaml(source)
    try:
        values = merge(base, delta)
    except ConfigError as error:
        raise ConfigError(f"{shown_path(source, project)}: {error}") from None

    def where(name: str) -> str:
        return shown_path(source if sets(delta, name) else project / BASE_CONFIG, project)

    schema.validate(values, where)
    return Config(values=values, root=project, source=source)


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as dotted names (``model.params.alpha``) with text values.

    The flat shape MLflow's params take, and an easy one to compare two configs in.
    """
    flat: dict[str, str] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return flat


def changed_settings(
    current: Mapping[str, Any], saved: Mapping[str, Any], sections: Sequence[str]
) -> list[str]:
    """The dotted names in ``sections`` whose value differs between two merged configs."""
    ours = flatten({k: current.get(k, {}) for k in sections})
    theirs = flatten({k: saved.get(k, {}) for k in sections})
    return sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))


def dump(values: Mapping[str, Any]) -> str:
    """YAML text of a merged config, keys in the base file's order."""
    return yaml.safe_dump(dict(values), sort_keys=False, allow_unicode=True)


def save(config: Config, path: Path) -> Path:
    """Writes the merged config next to the results it produced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# Merged from {BASE_CONFIG} and {config.source.name}\n" + dump(config.values),
        encoding="utf-8",
    )
    return path
