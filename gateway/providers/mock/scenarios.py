"""Scenario scripts: YAML files that tell the mock what to answer to which request.

The format is described, with an example, in this package's README.md. Loading checks the whole
file before anything runs: a script is written by hand and read by a test in someone else's CI,
so every mistake is reported with the file, the scenario and the key, and what was expected.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from gateway.canonical import StopReason, Usage
from gateway.errors import ErrorKind, GatewayError
from gateway.providers.mock.templates import BUILTIN_VARIABLES, placeholders, template_strings
from gateway.tables import error_kind_for_status

MATCH_KEYS = (
    "model",
    "user_regex",
    "user_contains",
    "last_is_tool_result",
    "tool_result_name",
    "tools_offered",
    "turn",
    "stream",
)
REPLY_KEYS = ("text", "thinking", "tool_calls", "stop_reason", "usage", "error", "stream")
TOOL_CALL_KEYS = ("name", "arguments")
ERROR_KEYS = ("status", "message", "kind", "retry_after", "after_events")
PACING_KEYS = ("delay_ms", "chunk")
USAGE_KEYS = tuple(item.name for item in dataclasses.fields(Usage))


class ScenarioError(ValueError):
    """A scenario script that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Match:
    """Conditions on a request; every one that is set must hold."""

    model: str | None = None
    user_regex: re.Pattern[str] | None = None
    user_contains: str | None = None
    last_is_tool_result: bool | None = None
    tool_result_name: str | None = None
    tools_offered: tuple[str, ...] = ()
    turn: int | None = None
    stream: bool | None = None


@dataclass(frozen=True, slots=True)
class ScriptedToolCall:
    """A call to answer with. ``arguments``: a mapping (strings templated), raw JSON text, or None
    to generate arguments valid against the offered tool's schema."""

    name: str
    arguments: dict[str, Any] | str | None = None


@dataclass(frozen=True, slots=True)
class ScriptedError:
    """An upstream failure to play: at once, or in a stream after ``after_events`` events."""

    status: int
    message: str
    kind: ErrorKind
    retry_after: int | None = None
    after_events: int | None = None

    def exception(self) -> GatewayError:
        headers = {"retry-after": str(self.retry_after)} if self.retry_after is not None else None
        return GatewayError(self.kind, self.message, status=self.status, headers=headers)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a stream is delivered: a pause between events, and text split by word or N characters."""

    delay_ms: float = 0
    chunk: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer. With no text, thinking or tool calls, the content is the default answer's."""

    text: str | None = None
    thinking: str | None = None
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    stop_reason: StopReason | None = None
    usage: dict[str, int] = field(default_factory=dict)
    error: ScriptedError | None = None
    pacing: Pacing = Pacing()

    @property
    def has_content(self) -> bool:
        return self.text is not None or self.thinking is not None or bool(self.tool_calls)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    match: Match
    reply: Reply


def load_scenarios(path: str | Path) -> tuple[Scenario, ...]:
    """Read and check a scenario file; ScenarioError names the problem and where it is."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the scenario file: {error.strerror or error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {_yaml_problem(error)}") from error
    return scenarios_from_data(data, source=str(path))


def scenarios_from_data(data: Any, source: str = "<scenarios>") -> tuple[Scenario, ...]:
    """Check already-parsed scenario data (the YAML document as Python values)."""
    top = _Section(data, source, ("scenarios",))
    items = top.required("scenarios", list)
    return tuple(_scenario(item, f"{source}: scenarios[{index}]") for index, item in enumerate(items))


class _Section:
    """One mapping of the file under validation, which knows where it is for error messages."""

    def __init__(self, raw: Any, where: str, allowed: tuple[str, ...]) -> None:
        self.where = where
        if not isinstance(raw, dict):
            self.fail(f"expected a mapping with keys {', '.join(allowed)}, got {_kind(raw)}")
        unknown = [str(key) for key in raw if key not in allowed]
        if unknown:
            self.fail(f"unknown key {', '.join(unknown)}; allowed: {', '.join(allowed)}")
        self.raw: dict[str, Any] = raw

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        raise ScenarioError(f"{self.where}{'.' + key if key else ''}: {message}")

    def optional(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.raw.get(key)
        if value is not None and not _is(value, kind):
            self.fail(f"expected {_names(kind)}, got {_kind(value)}", key)
        return value

    def required(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if self.raw.get(key) is None:
            self.fail("is required", key)
        return self.optional(key, kind)

    def count(self, key: str, minimum: int) -> int | None:
        value = self.optional(key, int)
        if value is not None and value < minimum:
            self.fail(f"must be at least {minimum}, got {value}", key)
        return value

    def section(self, key: str, allowed: tuple[str, ...]) -> _Section:
        """The mapping under ``key``; an absent one reads as empty."""
        value = self.raw.get(key)
        return _Section({} if value is None else value, f"{self.where}.{key}", allowed)


def _scenario(raw: Any, where: str) -> Scenario:
    outer = _Section(raw, where, ("name", "match", "reply"))
    name = outer.optional("name", str) or ""
    if name:
        outer.where = where = f"{where} ({name})"
    outer.required("reply", dict)
    match = _match(outer.section("match", MATCH_KEYS))
    groups = tuple(match.user_regex.groupindex) if match.user_regex else ()
    shadowed = set(groups) & set(BUILTIN_VARIABLES)
    if shadowed:
        outer.fail(f"group name {', '.join(sorted(shadowed))} is a built-in variable", "match.user_regex")
    reply = _reply(outer.section("reply", REPLY_KEYS), (*groups, *BUILTIN_VARIABLES))
    return Scenario(name, match, reply)


def _match(section: _Section) -> Match:
    tools = section.optional("tools_offered", list) or []
    if not all(isinstance(tool, str) for tool in tools):
        section.fail("expected a list of tool names", "tools_offered")
    return Match(
        model=section.optional("model", str),
        user_regex=_regex(section),
        user_contains=section.optional("user_contains", str),
        last_is_tool_result=section.optional("last_is_tool_result", bool),
        tool_result_name=section.optional("tool_result_name", str),
        tools_offered=tuple(tools),
        turn=section.count("turn", 1),
        stream=section.optional("stream", bool),
    )


def _regex(section: _Section) -> re.Pattern[str] | None:
    pattern = section.optional("user_regex", str)
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        section.fail(f"invalid regular expression {pattern!r}: {error}", "user_regex")


def _reply(section: _Section, variables: tuple[str, ...]) -> Reply:
    _check_placeholders(section, variables)
    error = section.raw.get("error")
    return Reply(
        text=section.optional("text", str),
        thinking=section.optional("thinking", str),
        tool_calls=tuple(_tool_calls(section)),
        stop_reason=_choice(section, "stop_reason", StopReason),
        usage=_usage(section.section("usage", USAGE_KEYS)),
        error=None if error is None else _error(section.section("error", ERROR_KEYS)),
        pacing=_pacing(section.section("stream", PACING_KEYS)),
    )


def _check_placeholders(section: _Section, variables: tuple[str, ...]) -> None:
    for key in ("text", "thinking", "tool_calls"):
        for where, template in template_strings(section.raw.get(key), key):
            unknown = placeholders(template) - set(variables)
            if unknown:
                section.fail(
                    f"unknown placeholder {', '.join('{' + name + '}' for name in sorted(unknown))}; "
                    f"known: {', '.join(variables)} (write {{{{name}}}} for literal braces)",
                    where,
                )


def _tool_calls(section: _Section) -> list[ScriptedToolCall]:
    calls = []
    for index, raw in enumerate(section.optional("tool_calls", list) or []):
        call = _Section(raw, f"{section.where}.tool_calls[{index}]", TOOL_CALL_KEYS)
        calls.append(ScriptedToolCall(call.required("name", str), call.optional("arguments", (dict, str))))
    return calls


def _choice(section: _Section, key: str, choices: type[StopReason] | type[ErrorKind]) -> Any:
    value = section.optional(key, str)
    if value is None:
        return None
    try:
        return choices(value)
    except ValueError:
        section.fail(f"expected one of {', '.join(choices)}, got {value!r}", key)


def _usage(section: _Section) -> dict[str, int]:
    return {key: count for key in USAGE_KEYS if (count := section.count(key, 0)) is not None}


def _error(section: _Section) -> ScriptedError:
    status = section.required("status", int)
    if not 400 <= status <= 599:
        section.fail(f"must be an HTTP error status (400-599), got {status}", "status")
    kind = _choice(section, "kind", ErrorKind) or error_kind_for_status(status)
    return ScriptedError(
        status=status,
        message=section.optional("message", str) or f"Scripted mock error (HTTP {status}).",
        kind=kind,
        retry_after=section.count("retry_after", 0),
        after_events=section.count("after_events", 1),
    )


def _pacing(section: _Section) -> Pacing:
    delay = section.optional("delay_ms", (int, float)) or 0
    if delay < 0:
        section.fail(f"must not be negative, got {delay}", "delay_ms")
    chunk = section.raw.get("chunk", "word")
    if chunk != "word" and (not _is(chunk, int) or chunk < 1):
        section.fail(f"expected 'word' or a number of characters (1 or more), got {chunk!r}", "chunk")
    return Pacing(delay_ms=delay, chunk=None if chunk == "word" else chunk)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """The parser's complaint with a 1-based position, without its echo of the source."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem


def _is(value: Any, kind: type | tuple[type, ...]) -> bool:
    """``isinstance``, except that true and false are not numbers in a script."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_YAML_NAMES.get(item, item.__name__) for item in kinds)


_YAML_NAMES = {dict: "a mapping", list: "a list", str: "a string", int: "an integer", bool: "true or false"}
