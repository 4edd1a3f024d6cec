"""A streaming client of each protocol, and the checks every stream the gateway sends must pass:
each event valid against ``specs/``, the whole stream against its protocol's grammar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
from translation.checks import specs
from translation.dialects import (
    ANTHROPIC,
    CHAT,
    HTTP,
    RESPONSES,
    STREAM_OPERATIONS,
    Ask,
    client_headers,
    endpoint,
    request_body,
)

from conformance.checks import Answer, check_stream, errors_only, fold
from gateway.sse import SSEDecoder, SSEEvent


@dataclass
class ClientStream:
    status: int
    headers: httpx.Headers
    raw: bytes
    events: list[SSEEvent]
    request: dict[str, Any]

    def answer(self, protocol: str) -> Answer:
        return fold(protocol, self.events)


def stream_request(inbound: str, model: str, question: Ask) -> dict[str, Any]:
    return request_body(inbound, model, replace(question, stream=True))


@contextmanager
def opened(
    base_url: str, inbound: str, model: str, body: dict[str, Any], timeout: float = 10.0
) -> Iterator[httpx.Response]:
    """The gateway's streamed response, open (the caller reads it)."""
    url = base_url + endpoint(inbound, model, stream=True)
    with HTTP.stream("POST", url, json=body, headers=client_headers(inbound), timeout=timeout) as response:
        yield response


def stream(base_url: str, inbound: str, model: str, question: Ask) -> ClientStream:
    """A whole streamed call, read to its end."""
    body = stream_request(inbound, model, question)
    with opened(base_url, inbound, model, body) as response:
        raw = response.read()
    return ClientStream(response.status_code, response.headers, raw, sse_events(raw), body)


def sse_events(raw: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return decoder.feed(raw) + decoder.close()


def assert_valid_stream(inbound: str, client: ClientStream) -> None:
    """200 as an event stream; every event valid for the spec; the grammar holds."""
    assert client.status == 200, client.raw[:500]
    assert client.headers["content-type"].startswith("text/event-stream")
    assert client.events, "the stream carried no event"
    for event in client.events:
        problems = specs().validate_stream_event(STREAM_OPERATIONS[inbound], event.event, event.data)
        assert not problems, (event, problems)
    findings = errors_only(check_stream(inbound, client.events, client.request))
    assert not findings, [str(f) for f in findings]


def payloads(events: list[SSEEvent]) -> list[dict[str, Any]]:
    return [json.loads(e.data) for e in events if e.data.strip() != "[DONE]"]


def text_deltas(inbound: str, event: SSEEvent) -> str:
    """The answer text one client event carries (thinking excluded)."""
    if event.data.strip() == "[DONE]":
        return ""
    data = json.loads(event.data)
    if inbound == CHAT:
        return "".join((c.get("delta") or {}).get("content") or "" for c in data.get("choices") or [])
    if inbound == RESPONSES:
        return data.get("delta", "") if data.get("type") == "response.output_text.delta" else ""
    if inbound == ANTHROPIC:
        delta = data.get("delta") or {}
        return delta.get("text", "") if delta.get("type") == "text_delta" else ""
    parts = [p for c in data.get("candidates") or [] for p in (c.get("content") or {}).get("parts") or []]
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))


def thinking_of(inbound: str, events: list[SSEEvent]) -> tuple[str, list[str]]:
    """The thinking text a client stream carries, and every signature in it."""
    text, signatures = [], []
    for data in payloads(events):
        if inbound == CHAT:
            text += [(c.get("delta") or {}).get("reasoning_content") or "" for c in data.get("choices") or []]
        elif inbound == RESPONSES:
            if data["type"] == "response.reasoning_summary_part.added":
                text.append("\n\n")  # summary parts are paragraphs
            elif data["type"] == "response.reasoning_summary_text.delta":
                text.append(data["delta"])
            elif data["type"] == "response.output_item.done" and data["item"].get("encrypted_content"):
                signatures.append(data["item"]["encrypted_content"])
        elif inbound == ANTHROPIC:
            delta = data.get("delta") or {}
            text.append(delta.get("thinking", "") if delta.get("type") == "thinking_delta" else "")
            if delta.get("type") == "signature_delta":
                signatures.append(delta["signature"])
        else:
            for candidate in data.get("candidates") or []:
                for part in (candidate.get("content") or {}).get("parts") or []:
                    if part.get("thought"):
                        text.append(part.get("text", ""))
                    if part.get("thoughtSignature"):
                        signatures.append(part["thoughtSignature"])
    return "".join(text).strip(), signatures
