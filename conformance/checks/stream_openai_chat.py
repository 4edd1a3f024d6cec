"""OpenAI Chat Completions streams: data-only chunks, then ``data: [DONE]``.

The official SDKs rebuild a completion by merging chunk deltas: strings are concatenated, list
entries are placed by their ``index``. So a field sent twice (a role, a tool call id) comes out
doubled, and a tool call delta without an index cannot be placed at all. The rules below are
those the merge depends on, plus the ordering the API promises (one finish per choice, the usage
chunk last, ``[DONE]`` once and last).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.answer import Answer, ToolCall, parse_arguments, token_counts
from conformance.checks.events import Event, StreamMachine
from conformance.checks.findings import short
from conformance.checks.sequence import (
    check_data_only,
    check_json_object,
    check_next_index,
    check_terminal,
    check_tool_offered,
    check_within_limit,
)
from conformance.checks.values import as_key, as_list, as_object, as_text, dig, is_int
from gateway.tables import OPENAI_CHAT

__all__ = ["ChatStream"]

IDENTITY = ("id", "created", "model")


@dataclass(slots=True)
class _Call:
    id: Any
    name: Any
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Choice:
    text: list[str] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    finish: Event | None = None
    finish_reason: Any = None


class ChatStream(StreamMachine):
    """The chat.completion.chunk grammar; ``answer`` folds choice 0 as the SDK's accumulator would."""

    protocol = OPENAI_CHAT
    done_allowed = True
    usage_keys = ("prompt_tokens", "completion_tokens")

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        super().__init__(request)
        options = (request or {}).get("stream_options") or {}
        self._usage_requested = bool(options.get("include_usage")) if request is not None else None
        self._offered = _offered_tools(request)
        self._limit = (request or {}).get("max_completion_tokens") or (request or {}).get("max_tokens")
        self._identity: dict[str, Any] | None = None
        self._choices: dict[Any, _Choice] = {}
        self._usage_chunks: list[Event] = []
        self._usage: dict[str, int] = {}

    @staticmethod
    def is_error_event(event: Event) -> bool:
        return event.payload is not None and isinstance(event.payload.get("error"), dict)

    @staticmethod
    def is_success_terminator(event: Event) -> bool:
        return event.is_done

    @staticmethod
    def answer_of_body(body: Mapping[str, Any]) -> Answer:
        """The meaning of a whole ``chat.completion``: its first choice, as ``ChatStream.answer`` folds it."""
        choices = [as_object(choice) for choice in as_list(body.get("choices"))]
        choice = next((c for c in choices if c.get("index", 0) == 0), {})
        message = as_object(choice.get("message"))
        calls = [
            ToolCall(
                dig(call, "function", "name"),
                parse_arguments(dig(call, "function", "arguments")),
                dig(call, "id"),
            )
            for call in as_list(message.get("tool_calls"))
        ]
        return Answer(
            as_text(message.get("content")),
            calls,
            choice.get("finish_reason"),
            token_counts(body.get("usage")),
        )

    def feed(self, event: Event) -> None:
        if self.is_error_event(event):
            self.report.error(
                "error_event", f"the stream carried an error: {short(event.payload)}", event.at()
            )
            return
        chunk = event.payload
        if chunk.get("object") != "chat.completion.chunk":
            self.report.error(
                "chunk_object",
                f"object is {chunk.get('object')!r}, expected 'chat.completion.chunk'",
                event.at("object"),
                event.data,
            )
        self._check_identity(event)
        choices = chunk.get("choices")
        if choices == [] and chunk.get("usage") is not None:
            self._usage_chunk(event)
            return
        if chunk.get("usage") is not None:
            self.report.error(
                "usage_only_in_usage_chunk",
                "a chunk with choices also carries usage; usage belongs only in the final chunk "
                "with 'choices: []'",
                event.at("usage"),
                event.data,
            )
            self._usage = token_counts(chunk["usage"])  # misplaced, but what the SDK reads as usage
        for position, choice in enumerate(as_list(choices)):
            self._choice(event, position, choice)

    def finish(self, events: list[Event]) -> None:
        check_data_only(self.report, (e for e in events if not self.is_error_event(e)))
        check_terminal(self.report, events, lambda e: e.is_done, "data: [DONE]")
        for index, choice in self._choices.items():
            if choice.finish is None:
                self.report.error(
                    "finish_reason_present", f"choice {index} never received a finish_reason", "end of stream"
                )
        self._check_usage_count()

    def answer(self) -> Answer:
        choice = self._choices.get(0, _Choice())
        calls = [
            ToolCall(call.name, parse_arguments("".join(call.arguments)), call.id)
            for _, call in sorted(choice.calls.items())
        ]
        reason = choice.finish_reason if isinstance(choice.finish_reason, str) else None
        return Answer("".join(choice.text), calls, reason, self._usage)

    def _check_identity(self, event: Event) -> None:
        seen = {key: event.payload.get(key) for key in IDENTITY}
        if self._identity is None:
            self._identity = seen
            return
        for key in IDENTITY:
            if seen[key] != self._identity[key]:
                self.report.error(
                    "identity_stable",
                    f"{key} is {seen[key]!r}; the first chunk had {self._identity[key]!r} "
                    "(every chunk of one completion carries the same id, created and model)",
                    event.at(key),
                    event.data,
                )

    def _usage_chunk(self, event: Event) -> None:
        self._usage_chunks.append(event)
        self._usage = token_counts(event.payload["usage"])
        if self._usage_requested is False:
            self.report.warn(
                "usage_chunk_unrequested",
                "a usage chunk was sent although stream_options.include_usage was not requested",
                event.at(),
            )
        unfinished = [index for index, choice in self._choices.items() if choice.finish is None]
        if unfinished:
            self.report.error(
                "usage_chunk_after_finish",
                f"the usage chunk came before choice(s) {unfinished} finished",
                event.at(),
                event.data,
            )
        check_within_limit(
            self.report, "usage.completion_tokens", self._usage.get("completion_tokens"), self._limit, event
        )

    def _check_usage_count(self) -> None:
        if self._usage_requested and not self._usage_chunks:
            self.report.error(
                "usage_chunk_once",
                "stream_options.include_usage was requested, but no chunk with 'choices: []' carried usage",
                "end of stream",
            )
        for extra in self._usage_chunks[1:]:
            self.report.error(
                "usage_chunk_once",
                f"a second usage chunk; the first was at event {self._usage_chunks[0].number}",
                extra.at(),
                extra.data,
            )

    def _choice(self, event: Event, position: int, choice: Any) -> None:
        path = f"choices[{position}]"
        if not isinstance(choice, dict):
            return
        index = choice.get("index")
        if self._usage_chunks:
            self.report.error(
                "usage_chunk_after_finish",
                f"choice {index!r} has a chunk after the usage chunk at event {self._usage_chunks[0].number}",
                event.at(path),
                event.data,
            )
        state = self._choices.get(as_key(index))
        first = state is None
        if first:
            state = self._choices[as_key(index)] = _Choice()
        if state.finish is not None:
            self._after_finish(event, path, index, choice, state)
            return
        delta = as_object(choice.get("delta"))
        if "role" in delta and not first:
            self.report.error(
                "role_first_delta_only",
                f"role {delta['role']!r} repeated in a later delta of choice {index!r} "
                "(clients concatenate it: 'assistantassistant')",
                event.at(f"{path}.delta.role"),
                event.data,
            )
        if isinstance(delta.get("content"), str):
            state.text.append(delta["content"])
        for number, call in enumerate(as_list(delta.get("tool_calls"))):
            self._tool_call(event, f"{path}.delta.tool_calls[{number}]", state, call)
        if choice.get("finish_reason") is not None:
            state.finish = event
            state.finish_reason = choice["finish_reason"]
            if state.finish_reason == "tool_calls":
                self._check_arguments(state, event)

    def _after_finish(self, event: Event, path: str, index: Any, choice: dict, state: _Choice) -> None:
        if choice.get("finish_reason") is not None:
            self.report.error(
                "finish_reason_once",
                f"choice {index!r} got a second finish_reason {choice['finish_reason']!r}; the first "
                f"({state.finish_reason!r}) was at event {state.finish.number}",
                event.at(f"{path}.finish_reason"),
                event.data,
            )
        else:
            self.report.error(
                "nothing_after_finish",
                f"choice {index!r} has a delta after its finish_reason at event {state.finish.number}",
                event.at(path),
                event.data,
            )

    def _tool_call(self, event: Event, path: str, state: _Choice, call: Any) -> None:
        index = dig(call, "index")
        if not is_int(index):
            self.report.error(
                "tool_call_index",
                f"tool call delta without an integer index (got {index!r}); clients place deltas by index",
                event.at(f"{path}.index"),
                event.data,
            )
            return
        function = as_object(call.get("function"))
        known = state.calls.get(index)
        if known is None:
            check_next_index(
                self.report, "tool_call_index_dense", "tool call", len(state.calls), index, event
            )
            known = state.calls[index] = _Call(call.get("id"), function.get("name"))
            self._check_head(event, path, index, known)
        else:
            self._check_no_second_head(event, path, index, known, call.get("id"), function.get("name"))
        if isinstance(function.get("arguments"), str):
            known.arguments.append(function["arguments"])

    def _check_head(self, event: Event, path: str, index: int, call: _Call) -> None:
        missing = [key for key, value in (("id", call.id), ("function.name", call.name)) if not value]
        if missing:
            self.report.error(
                "tool_call_starts_with_id_and_name",
                f"the first delta of tool call {index} lacks {', '.join(missing)}",
                event.at(path),
                event.data,
            )
        check_tool_offered(self.report, call.name, self._offered, event)

    def _check_no_second_head(
        self, event: Event, path: str, index: int, call: _Call, id_: Any, name: Any
    ) -> None:
        for key, first, again in (("id", call.id, id_), ("function.name", call.name, name)):
            if again is None:
                continue
            if again == first:
                why = f"repeats {key} {again!r} (clients concatenate it)"
            else:
                why = f"carries a new {key} {again!r}; it began as {first!r} (an index is never reused)"
            self.report.error(
                "tool_call_id_and_name_once",
                f"a later delta of tool call {index} {why}",
                event.at(f"{path}.{key}"),
                event.data,
            )

    def _check_arguments(self, state: _Choice, event: Event) -> None:
        for index, call in sorted(state.calls.items()):
            check_json_object(
                self.report,
                "tool_arguments_json",
                f"the arguments of tool call {index} ({call.name!r})",
                "".join(call.arguments),
                event,
            )


def _offered_tools(request: Mapping[str, Any] | None) -> set[str] | None:
    if request is None:
        return None
    tools = [dig(tool, "function", "name") for tool in as_list(request.get("tools"))]
    legacy = [dig(function, "name") for function in as_list(request.get("functions"))]
    return {as_key(name) for name in tools + legacy if name}
