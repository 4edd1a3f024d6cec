"""A deliberately broken gateway: this project's gateway behind a WSGI filter that breaks chosen
answers, one known defect each, so a test can hold the suite to reporting exactly those.

Each defect is a small function of (request path, request body, status, headers, answer body)
returning the answer changed, or unchanged when the request is not one it breaks. Everything else
is the real gateway on the mock upstream, so any other failure the suite reports is a false alarm.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from gateway.sse import SSEDecoder, encode_event

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]
Defect = Callable[[str, bytes, int, Headers, bytes], Answer]


class BrokenGateway:
    """WSGI: the wrapped app's answers, read whole, passed through every defect in turn."""

    def __init__(self, app: Any, defects: Iterable[Defect]) -> None:
        self.app = app
        self.defects = list(defects)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        seen: dict[str, Any] = {}

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            seen.update(status=int(status.split()[0]), headers=headers)
            return lambda data: None

        answer = self.app(environ, capture)
        try:
            payload = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        status, headers = seen["status"], seen["headers"]
        for defect in self.defects:
            status, headers, payload = defect(environ["PATH_INFO"], body, status, headers, payload)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(f"{status} BROKEN", [*headers, ("Content-Length", str(len(payload)))])
        return [payload]


def _events(payload: bytes) -> list[Any]:
    decoder = SSEDecoder()
    return decoder.feed(payload) + decoder.close()


def _is_stream(headers: Headers) -> bool:
    return any(k.lower() == "content-type" and v.startswith("text/event-stream") for k, v in headers)


def drop_message_stop(path: str, body: bytes, status: int, headers: Headers, payload: bytes) -> Answer:
    """Anthropic streams end without their terminal ``message_stop``."""
    if path != "/v1/messages" or not _is_stream(headers):
        return status, headers, payload
    kept = [e for e in _events(payload) if e.event != "message_stop"]
    return status, headers, b"".join(encode_event(e.data, e.event) for e in kept)


def tool_call_without_index(path: str, body: bytes, status: int, headers: Headers, payload: bytes) -> Answer:
    """Chat stream tool call deltas lose their ``index`` (the SDK cannot place them)."""
    if path != "/v1/chat/completions" or not _is_stream(headers):
        return status, headers, payload
    out = []
    for event in _events(payload):
        data = event.data
        if data != "[DONE]":
            chunk = json.loads(data)
            for choice in chunk.get("choices") or []:
                for call in (choice.get("delta") or {}).get("tool_calls") or []:
                    call.pop("index", None)
            data = json.dumps(chunk)
        out.append(encode_event(data, event.event))
    return status, headers, b"".join(out)


def wrong_finish_reason(path: str, body: bytes, status: int, headers: Headers, payload: bytes) -> Answer:
    """Whole chat completions cut short by max tokens say "stop" instead of "length"."""
    if path != "/v1/chat/completions" or status != 200 or _is_stream(headers):
        return status, headers, payload
    completion = json.loads(payload)
    for choice in completion.get("choices") or []:
        if choice.get("finish_reason") == "length":
            choice["finish_reason"] = "stop"
    return status, headers, json.dumps(completion).encode()


def anthropic_error_in_openai_shape(
    path: str, body: bytes, status: int, headers: Headers, payload: bytes
) -> Answer:
    """Anthropic errors come in OpenAI's envelope (no top-level ``"type": "error"``)."""
    if not path.startswith("/v1/messages") or status < 400:
        return status, headers, payload
    error = json.loads(payload)["error"]
    shaped = {"error": {"message": error["message"], "type": error["type"], "param": None, "code": None}}
    return status, headers, json.dumps(shaped).encode()


def server_error_on_malformed_json(
    path: str, body: bytes, status: int, headers: Headers, payload: bytes
) -> Answer:
    """Gemini POSTs whose body is not JSON get a 500 instead of a 400."""
    if not body or not re.search(r":(generateContent|streamGenerateContent|countTokens)$", path):
        return status, headers, payload
    try:
        json.loads(body)
    except ValueError:
        crash = {"error": {"code": 500, "message": "internal error", "status": "INTERNAL"}}
        json_headers = [("Content-Type", "application/json")]
        return 500, json_headers, json.dumps(crash).encode()
    return status, headers, payload


def models_list_without_object(
    path: str, body: bytes, status: int, headers: Headers, payload: bytes
) -> Answer:
    """OpenAI's models list loses its required ``"object": "list"`` (a spec-invalid body)."""
    if path != "/v1/models" or status != 200:
        return status, headers, payload
    listing = json.loads(payload)
    if listing.get("object") != "list":  # the Anthropic and Gemini dialects' lists are left alone
        return status, headers, payload
    del listing["object"]
    return status, headers, json.dumps(listing).encode()


def responses_stream_without_completed(
    path: str, body: bytes, status: int, headers: Headers, payload: bytes
) -> Answer:
    """Responses streams end with an unknown ``response.done`` instead of ``response.completed``."""
    if path != "/v1/responses" or not _is_stream(headers):
        return status, headers, payload
    out = []
    for event in _events(payload):
        name, data = event.event, event.data
        if name == "response.completed":
            name, data = "response.done", data.replace('"response.completed"', '"response.done"')
        out.append(encode_event(data, name))
    return status, headers, b"".join(out)
