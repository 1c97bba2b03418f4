"""What a setting accepts: the rules of the schema (schema.py) and of the models' parameters.

A rule checks one value as YAML read it and says in words what it expects,
for the one-line error that names the setting and the file it came from.
YAML types are kept as they are: "0.2" in quotes is text, not a number, and
"no" is text, not false.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Rule:
    """One check; ``expects`` says what passes, as in "must be a number between 0 and 1"."""

    @property
    def expects(self) -> str:
        raise NotImplementedError

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Number(Rule):
    """A number (``whole``: an integer), within bounds; an open bound is itself refused."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    whole: bool = False

    @property
    def expects(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        if self.low is None and self.high is None:
            return kind
        low = None if self.low is None else _number_text(self.low)
        high = None if self.high is None else _number_text(self.high)
        if self.open_low and self.open_high:
            return f"{kind} between {low} and {high}"
        bounds = []
        if low is not None:
            bounds.append(f"above {low}" if self.open_low else f"of {low} or more")
        if high is not None:
            bounds.append(f"below {high}" if self.open_high else f"of at most {high}")
        return f"{kind} {' and '.join(bounds)}"

    def accepts(self, value: Any) -> bool:
        # bool is an int to Python, never a number to a reader of the config.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.whole and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return self.high is None or (value < self.high if self.open_high else value <= self.high)


@dataclass(frozen=True)
class Integer(Number):
    """A whole number: ``Integer(1)`` is one of 1 or more."""

    whole: bool = True


@dataclass(frozen=True)
class Boolean(Rule):
    @property
    def expects(self) -> str:
        return "true or false"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class Text(Rule):
    """Text; empty only when ``empty`` says so (a description may be, a path may not)."""

    empty: bool = False

    @property
    def expects(self) -> str:
        return "text" if self.empty else "non-empty text"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and (self.empty or value.strip() != "")


@dataclass(frozen=True)
class Choice(Rule):
    choices: tuple[str, ...]

    @property
    def expects(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.choices


@dataclass(frozen=True)
class Pattern(Rule):
    """Text matching ``regex`` (whole, any case), described as ``described``."""

    regex: str
    described: str

    @property
    def expects(self) -> str:
        return self.described

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, str) and re.fullmatch(self.regex, value.strip().lower()) is not None
        )


@dataclass(frozen=True)
class Nullable(Rule):
    """``rule``, or null (YAML's ``null``, or nothing after the colon)."""

    rule: Rule

    @property
    def expects(self) -> str:
        return f"{self.rule.expects}, or null"

    def accepts(self, value: Any) -> bool:
        return value is None or self.rule.accepts(value)


@dataclass(frozen=True)
class ListOf(Rule):
    item: Rule

    @property
    def expects(self) -> str:
        return f"a list, each item {self.item.expects}"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list) and all(self.item.accepts(v) for v in value)


@dataclass(frozen=True)
class Table(Rule):
    """A mapping with text keys: a model's keyword arguments, checked by its own rules."""

    @property
    def expects(self) -> str:
        return "a mapping of names to values"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)


class ModelSpec(Protocol):
    """A model an experiment can choose by name: its parameters, and the rules of some of them."""

    @property
    def checks(self) -> Mapping[str, Rule]: ...

    def parameters(self) -> Sequence[str]: ...


def shown(value: Any, limit: int = 60) -> str:
    """A value as an error message quotes it: text in quotes (bounded), YAML's own words else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value if len(value) <= limit else value[:limit] + "…", ensure_ascii=False)
        return text if len(value) <= limit else f"{text} ({len(value)} characters)"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) <= limit:
            return text
        return f"a list of {len(value)} items" if isinstance(value, list) else "a long mapping"
    return repr(value)


def refusal(name: str, rule: Rule, value: Any) -> str:
    """``name must be <what the rule expects>, not <value>``, with a hint where YAML misleads."""
    message = f"{name} must be {rule.expects}, not {shown(value)}"
    if isinstance(value, str) and re.fullmatch(r"[-+]?\d+[eE][-+]?\d+", value.strip()):
        # YAML 1.1, which PyYAML reads, needs a dot in a number with an exponent.
        message += f" (YAML reads {value.strip()} as text: write it with a dot, like 1.0e-5)"
    return message
