"""Driving one recorded interaction through the gateway and judging what the client got.

A case is: an upstream interaction (recorded, or authored in ``cassettes/``), an inbound request
(a fixture) that should make the gateway send that upstream request, and the client's reply. The
reply must validate against ``specs/`` and mean what the upstream said, mapped by the documented
rules: text and tool calls equal (read with the conformance folds, independently of the codecs),
the stop reason spelled by ``gateway.tables`` for the client's protocol, and the usage buckets of
``gateway.canonical`` (prompt = input + both cache buckets; output includes reasoning) in the
client's field names. Errors keep their meaning too: the status the client's protocol gives the
upstream's error kind, the upstream's message and its retry headers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.checks import Answer, answer_of_body, check_stream, errors_only, fold
from conformance.checks.stream_gemini import events_from_json_array
from gateway import tables
from gateway.canonical import StopReason, StreamEnd, Usage
from gateway.cassettes.fixtures import Fixture, auth_headers
from gateway.cassettes.loader import Interaction
from gateway.cassettes.shapes import kind_of, stream_events
from gateway.codecs import codec_for
from gateway.errors import ErrorKind
from gateway.specs import SpecSet
from gateway.sse import SSEDecoder, SSEEvent

DEMO_KEY = "gw-demo-key"

# The upstream's credentials or account failed: the client's key is not at fault (502, not 401),
# whether the provider says so by status or by reason (Gemini: a 400 API_KEY_INVALID; OpenAI: a 429
# insufficient_quota, which no retry cures).
UPSTREAM_FAULTS = {401, 402, 403}
UPSTREAM_FAULT_REASONS = {"API_KEY_INVALID", "insufficient_quota"}
OVERLOADED = {503, 529}


@dataclass(slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def sse(self) -> list[SSEEvent]:
        decoder = SSEDecoder()
        return decoder.feed(self.body) + decoder.close()


def send(client: Any, fixture: Fixture) -> Reply:
    """POST a fixture to the gateway (a Flask test client) with the demo key, reading it whole."""
    headers = {**auth_headers(fixture.protocol, DEMO_KEY), **fixture.headers}
    response = client.post(fixture.path, json=fixture.body, headers=headers)
    return Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.data)


def is_json_array_reply(fixture: Fixture) -> bool:
    return fixture.protocol == tables.GEMINI and fixture.stream and "alt=sse" not in fixture.path


def client_events(fixture: Fixture, reply: Reply) -> list[SSEEvent]:
    if is_json_array_reply(fixture):
        return events_from_json_array(reply.body)
    return reply.sse()


def spec_problems(specs: SpecSet, fixture: Fixture, reply: Reply) -> list[str]:
    """What in the client's reply the specs refuse (every event of a stream, or the body)."""
    operation = fixture.operation_id
    if reply.status == 200 and fixture.stream:
        return [
            f"event {n} {event.event or ''}: {problem}"
            for n, event in enumerate(client_events(fixture, reply))
            for problem in specs.validate_stream_event(
                operation, None if is_json_array_reply(fixture) else event.event, event.data
            )
        ]
    return specs.validate_response_body(operation, reply.status, reply.json())


# --- what the upstream said ----------------------------------------------------------------------


@dataclass(slots=True)
class Upstream:
    """A recorded upstream answer, read two ways: the conformance fold (text, calls) and the
    upstream codec (canonical stop reason and usage)."""

    protocol: str
    interaction: Interaction
    answer: Answer | None = None
    stop: StopReason | None = None
    usage: Usage | None = None

    @classmethod
    def of(cls, interaction: Interaction) -> Upstream:
        kind = kind_of(interaction)
        upstream = cls(kind.endpoint, interaction)
        if kind.form == "json" and kind.endpoint in tables.PROTOCOLS:
            body = interaction.response.json()
            upstream.answer = answer_of_body(kind.endpoint, body)
            response = codec_for(kind.endpoint).decode_response(body)
            upstream.stop, upstream.usage = response.stop_reason, response.usage
        elif kind.form == "stream":
            events = stream_events(interaction)
            upstream.answer = fold(kind.endpoint, events)
            end = _stream_end(kind.endpoint, events)
            upstream.stop, upstream.usage = end.stop_reason, end.usage
        return upstream


def _stream_end(protocol: str, events: list[SSEEvent]) -> StreamEnd:
    decoder = codec_for(protocol).stream_decoder()
    decoded = [e for event in events for e in decoder.feed(event)] + decoder.close()
    ends = [e for e in decoded if isinstance(e, StreamEnd)]
    assert ends, f"the recorded {protocol} stream does not decode to an end: {decoded[-3:]}"
    return ends[-1]


# --- what the client must get ------------------------------------------------------------------


def expected_stop(protocol: str, stop: StopReason) -> str:
    """The stop reason a client of ``protocol`` reads, in the conformance fold's terms."""
    wire = tables.STOP_REASONS[protocol].encode(stop)
    if protocol == tables.OPENAI_RESPONSES:
        return wire or "completed"
    return wire


def expected_usage(protocol: str, usage: Usage) -> dict[str, int]:
    """The canonical buckets as ``protocol`` names them (``gateway.canonical`` conventions)."""
    if protocol == tables.ANTHROPIC:
        return {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_read_input_tokens": usage.cache_read_tokens,
            "cache_creation_input_tokens": usage.cache_write_tokens,
        }
    if protocol == tables.GEMINI:
        return {
            "promptTokenCount": usage.prompt_tokens,
            "candidatesTokenCount": usage.output_tokens - usage.reasoning_tokens,
            "thoughtsTokenCount": usage.reasoning_tokens,
            "cachedContentTokenCount": usage.cache_read_tokens,
        }
    if protocol == tables.OPENAI_RESPONSES:
        return {
            "input_tokens": usage.prompt_tokens,
            "output_tokens": usage.output_tokens,
            "input_tokens_details.cached_tokens": usage.cache_read_tokens,
            "output_tokens_details.reasoning_tokens": usage.reasoning_tokens,
        }
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "prompt_tokens_details.cached_tokens": usage.cache_read_tokens,
        "completion_tokens_details.reasoning_tokens": usage.reasoning_tokens,
    }


def _flat(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flat(item, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def usage_in(protocol: str, body: Any = None, events: list[SSEEvent] | None = None) -> dict[str, Any] | None:
    """The usage object of a whole body, or of a stream where its protocol puts the final one."""
    if events is None:
        return body.get("usageMetadata" if protocol == tables.GEMINI else "usage") if body else None
    found: dict[str, Any] | None = None
    for event in events:
        try:
            data = json.loads(event.data)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if protocol == tables.ANTHROPIC:
            usage = (data.get("message") or {}).get("usage") or data.get("usage")
            found = {**(found or {}), **usage} if isinstance(usage, dict) else found
        elif protocol == tables.OPENAI_RESPONSES:
            found = (data.get("response") or {}).get("usage") or found
        elif protocol == tables.GEMINI:
            found = data.get("usageMetadata") or found
        else:
            found = data.get("usage") or found
    return found


def usage_problems(expected: dict[str, int], received: dict[str, Any] | None) -> list[str]:
    flat = dict(_flat(received or {}))
    return [
        f"usage {key}: client got {flat.get(key)!r}, upstream meant {value}"
        for key, value in expected.items()
        if (flat.get(key) or 0) != value
    ]


def _message_of(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("message")
    return None


def _reasons(body: bytes) -> set[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    data = data[0] if isinstance(data, list) and data else data
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return set()
    found = [error.get("code"), error.get("type")]
    found += [d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)]
    return {reason for reason in found if isinstance(reason, str)}


def is_upstream_fault(recorded: Interaction) -> bool:
    return recorded.status in UPSTREAM_FAULTS or bool(
        _reasons(recorded.response.body) & UPSTREAM_FAULT_REASONS
    )


def expected_error_status(protocol: str, recorded: Interaction) -> int:
    """The status the client's protocol gives the upstream's failure: the gateway's credentials
    or the provider itself failing is a 502 (never the caller's 401, never the gateway's own 500);
    an overload keeps its meaning (Anthropic spells it 529); the rest keep their status."""
    if is_upstream_fault(recorded) or tables.error_kind_for_status(recorded.status) is ErrorKind.API_ERROR:
        return 502
    if recorded.status in OVERLOADED:
        return 529 if protocol == tables.ANTHROPIC else 503
    return recorded.status


def meaning_problems(fixture: Fixture, reply: Reply, upstream: Upstream) -> list[str]:
    """Where the client's reply means something other than the upstream's recorded answer."""
    recorded = upstream.interaction
    protocol = fixture.protocol
    if recorded.status >= 400:
        return _error_problems(protocol, reply, recorded)
    if reply.status != 200:
        return [f"client got HTTP {reply.status}, upstream answered 200: {reply.body[:300]!r}"]
    if upstream.answer is None:  # images, count tokens: the body is the meaning
        return _raw_problems(fixture, reply, recorded)
    problems: list[str] = []
    if fixture.stream:
        events = client_events(fixture, reply)
        problems += [str(f) for f in errors_only(check_stream(protocol, events, fixture.body))]
        answer = fold(protocol, events)
    else:
        answer = answer_of_body(protocol, reply.json())
    if answer.text != upstream.answer.text:
        problems.append(f"text: client got {answer.text!r}, upstream said {upstream.answer.text!r}")
    calls = [(c.name, c.arguments) for c in answer.tool_calls]
    upstream_calls = [(c.name, c.arguments) for c in upstream.answer.tool_calls]
    if calls != upstream_calls:
        problems.append(f"tool calls: client got {calls!r}, upstream made {upstream_calls!r}")
    passthrough = protocol == upstream.protocol and not is_json_array_reply(fixture)
    stop = upstream.answer.stop_reason if passthrough else expected_stop(protocol, upstream.stop)
    if answer.stop_reason != stop:
        problems.append(f"stop reason: client got {answer.stop_reason!r}, expected {stop!r}")
    if fixture.stream:
        received = usage_in(protocol, events=client_events(fixture, reply))
    else:
        received = usage_in(protocol, body=reply.json())
    if passthrough:
        sent = dict(_flat(_recorded_usage(upstream) or {}))
        wanted = [k for k in expected_usage(protocol, Usage()) if k in sent]
        problems += usage_problems({k: sent[k] for k in wanted}, received)
    elif received is not None or not _usage_optional(fixture):
        problems += usage_problems(expected_usage(protocol, upstream.usage), received)
    return problems


def _recorded_usage(upstream: Upstream) -> dict[str, Any] | None:
    recorded = upstream.interaction
    if kind_of(recorded).form == "stream":
        return usage_in(upstream.protocol, events=stream_events(recorded))
    return usage_in(upstream.protocol, body=recorded.response.json())


def _usage_optional(fixture: Fixture) -> bool:
    """A chat stream shows usage only to a client that asked for it."""
    options = fixture.body.get("stream_options") or {}
    return fixture.protocol == tables.OPENAI_CHAT and fixture.stream and not options.get("include_usage")


def _raw_problems(fixture: Fixture, reply: Reply, recorded: Interaction) -> list[str]:
    """Images and token counts: the data the client reads must be the upstream's."""
    mine, theirs = reply.json(), recorded.response.json()
    keys = {"/v1/images/generations": ("created", "data"), "count_tokens": ("input_tokens",)}
    keys["countTokens"] = ("totalTokens",)
    wanted = next((v for k, v in keys.items() if fixture.path.endswith(k)), None)
    if wanted is None:
        return [f"no meaning rule for {fixture.path}"]
    mine, theirs = {k: mine.get(k) for k in wanted}, {k: theirs.get(k) for k in wanted}
    return [] if mine == theirs else [f"client got {str(mine)[:200]}, upstream sent {str(theirs)[:200]}"]


def _error_problems(protocol: str, reply: Reply, recorded: Interaction) -> list[str]:
    problems = []
    status = expected_error_status(protocol, recorded)
    if reply.status != status:
        problems.append(f"client got HTTP {reply.status}, expected {status} for upstream {recorded.status}")
    message = _message_of(recorded.response.body)
    if not is_upstream_fault(recorded) and message and message not in reply.body.decode():
        problems.append(
            f"the upstream's message {message!r} is not in the client's error {reply.body[:300]!r}"
        )
    for name in ("retry-after", "retry-after-ms"):
        value = recorded.response.header(name)
        if value and reply.headers.get(name) != value:
            problems.append(f"{name}: client got {reply.headers.get(name)!r}, upstream sent {value!r}")
    return problems
