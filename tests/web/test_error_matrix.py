"""Every client mistake on every surface gets the right 4xx in that protocol's own error shape.

The shape is judged by ``conformance.checks.check_error_body`` (envelope, fields, type/status
agreement, JSON content type); the status is the one the mistake calls for. Nothing a client can
send here may produce a 500, and a wrong key never comes back in the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from conformance.checks import check_error_body, errors_only
from gateway.settings import DEMO_KEY
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT

from .conftest import MAX_BODY_BYTES, WebGateway
from .surfaces import SURFACES, WITH_BODY, Surface, key_header

WRONG_KEY = "sk-wrong-0123456789abcdef-not-a-gateway-key"


def send(
    web: WebGateway,
    surface: Surface,
    content: bytes | Iterator[bytes] | None = None,
    *,
    content_type: str = "application/json",
    key_headers: dict[str, str] | None = None,
    method: str | None = None,
    path: str | None = None,
) -> httpx.Response:
    headers = {**surface.headers, **(key_header(surface.protocol) if key_headers is None else key_headers)}
    if content is not None:
        headers["content-type"] = content_type
    return web.client.request(
        method or surface.method, path or surface.path, content=content, headers=headers
    )


def assert_error(response: httpx.Response, protocol: str, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    findings = errors_only(
        check_error_body(protocol, response.status_code, response.content, response.headers)
    )
    assert not findings, "\n".join(map(str, findings))


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


# What a body mistake sends (content, content type) and the status it must get.
BODY_MISTAKES: dict[str, tuple[Callable[[Surface], tuple[bytes, str]], int]] = {
    "malformed JSON": (lambda s: (_json(s.body)[:-3], "application/json"), 400),
    "not JSON at all": (lambda s: (b"model=gpt-4o&prompt=hi", "application/json"), 400),
    "invalid UTF-8": (lambda s: (b'{"model": "\xff\xfe"}', "application/json"), 400),
    "wrong content type": (lambda s: (_json(s.body), "text/plain"), 415),
    "form content type": (lambda s: (b"model=x", "application/x-www-form-urlencoded"), 415),
    "empty body": (lambda s: (b"", "application/json"), 400),
    "JSON array body": (lambda s: (_json([s.body]), "application/json"), 400),
    "JSON string body": (lambda s: (_json("hello"), "application/json"), 400),
    "JSON null body": (lambda s: (b"null", "application/json"), 400),
}


@pytest.mark.parametrize("mistake", list(BODY_MISTAKES))
@pytest.mark.parametrize("surface", WITH_BODY, ids=str)
def test_a_body_the_gateway_cannot_read_is_a_4xx(web: WebGateway, surface: Surface, mistake: str) -> None:
    make, status = BODY_MISTAKES[mistake]
    content, content_type = make(surface)
    assert_error(send(web, surface, content, content_type=content_type), surface.protocol, status)


@pytest.mark.parametrize("surface", [s for s in SURFACES if s.missing_field], ids=str)
def test_a_missing_required_field_is_a_400(web: WebGateway, surface: Surface) -> None:
    assert_error(send(web, surface, _json(surface.missing_field)), surface.protocol, 400)


@pytest.mark.parametrize("surface", [s for s in SURFACES if s.ill_typed], ids=str)
def test_an_ill_typed_field_is_a_400_naming_it(web: WebGateway, surface: Surface) -> None:
    response = send(web, surface, _json(surface.ill_typed))
    assert_error(response, surface.protocol, 400)
    bad_field = next(k for k, v in surface.ill_typed.items() if surface.body.get(k) != v)  # type: ignore[union-attr]
    assert bad_field in response.json()["error"]["message"]


@pytest.mark.parametrize("surface", [s for s in SURFACES if s.unknown_model], ids=str)
def test_an_unknown_model_is_a_404(web: WebGateway, surface: Surface) -> None:
    path, body = surface.unknown_model  # type: ignore[misc]
    response = send(web, surface, None if body is None else _json(body), path=path)
    assert_error(response, surface.protocol, 404)
    assert "none" in response.json()["error"]["message"]


def _body(surface: Surface) -> bytes | None:
    return None if surface.body is None else _json(surface.body)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_a_missing_key_is_a_401(web: WebGateway, surface: Surface) -> None:
    assert_error(send(web, surface, _body(surface), key_headers={}), surface.protocol, 401)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_a_wrong_key_is_a_401_that_never_echoes_it(web: WebGateway, surface: Surface) -> None:
    response = send(web, surface, _body(surface), key_headers=key_header(surface.protocol, WRONG_KEY))
    assert_error(response, surface.protocol, 401)
    assert WRONG_KEY not in response.text
    assert all(WRONG_KEY not in value for value in response.headers.values())
    assert WRONG_KEY[:12] not in response.text, "not even a prefix of the key is shown"


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_a_revoked_key_is_a_401(web: WebGateway, surface: Surface) -> None:
    response = send(web, surface, _body(surface), key_headers=key_header(surface.protocol, web.revoked_key))
    assert_error(response, surface.protocol, 401)
    assert web.revoked_key not in response.text


def _oversized(surface: Surface) -> bytes:
    padded = {**surface.body, "padding": "x" * MAX_BODY_BYTES}  # type: ignore[dict-item]
    return _json(padded)


@pytest.mark.parametrize("surface", WITH_BODY, ids=str)
def test_a_body_over_the_limit_is_a_413(web: WebGateway, surface: Surface) -> None:
    assert_error(send(web, surface, _oversized(surface)), surface.protocol, 413)


@pytest.mark.parametrize("surface", WITH_BODY, ids=str)
def test_a_chunked_body_over_the_limit_is_a_413(web: WebGateway, surface: Surface) -> None:
    """No Content-Length to refuse up front: the limit holds while the body is read."""
    content = _oversized(surface)
    chunks = iter([content[:1000], content[1000:]])
    assert_error(send(web, surface, chunks), surface.protocol, 413)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_a_method_the_path_does_not_serve_is_a_405_saying_which_it_does(
    web: WebGateway, surface: Surface
) -> None:
    other = "DELETE" if surface.method == "GET" else "GET"
    response = send(web, surface, None, method=other)
    assert_error(response, surface.protocol, 405)
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert surface.method in allowed and other not in allowed


@pytest.mark.parametrize(
    ("protocol", "method", "path"),
    [
        (OPENAI_CHAT, "POST", "/v1/chat/completion"),
        (OPENAI_CHAT, "GET", "/v1/embeddings"),
        (ANTHROPIC, "POST", "/v1/messages/batches"),
        (ANTHROPIC, "POST", "/v1/complete"),
        (GEMINI, "GET", "/v1beta/cachedContents"),
        (GEMINI, "POST", "/v1beta/files"),
        (GEMINI, "GET", "/v1/tunedModels"),
    ],
)
def test_an_unknown_path_is_a_404_in_the_callers_dialect(
    web: WebGateway, protocol: str, method: str, path: str
) -> None:
    headers = {**key_header(protocol), "content-type": "application/json"}
    if protocol == ANTHROPIC:
        headers["anthropic-version"] = "2023-06-01"
    response = web.client.request(method, path, headers=headers, content=b"{}" if method == "POST" else None)
    assert_error(response, protocol, 404)


def test_the_demo_key_is_not_echoed_either(web: WebGateway) -> None:
    """A valid key sent with a broken body: the 400 names the problem, not the key."""
    surface = WITH_BODY[0]
    response = send(web, surface, b"{")
    assert response.status_code == 400 and DEMO_KEY not in response.text


# Inputs the schemathesis run (tests/schemathesis) once turned into 500s: schema-valid, but
# holding nulls (Google's JSON reads null as "not set") or a negative output limit no schema forbids.
FOUND_BY_FUZZING = [
    (
        "gemini",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": None}}]}]},
        200,
    ),
    (
        "gemini",
        "/v1beta/models/gemini-2.5-flash:countTokens",
        {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": None}}]}]},
        200,
    ),
    (
        "gemini",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        {"contents": [{"parts": [{"text": "hi"}]}], "systemInstruction": {"parts": [{"text": None}]}},
        200,
    ),
    (
        "gemini",
        "/v1/models/gemini-2.5-flash:generateContent",
        {
            "contents": [
                {"role": "model", "parts": [{"functionCall": {"name": None}}]},
                {"parts": [{"text": "hi"}]},
            ]
        },
        200,
    ),
    (
        "gemini",
        "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        {"contents": None, "safetySettings": None},
        200,
    ),
    (
        "gemini",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": -5}},
        400,
    ),
    (
        "openai",
        "/v1/chat/completions",
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "hi"}],
            "max_completion_tokens": -1,
        },
        400,
    ),
]


@pytest.mark.parametrize(("family", "path", "body", "status"), FOUND_BY_FUZZING)
def test_what_fuzzing_found_is_answered_not_crashed(
    web: WebGateway, family: str, path: str, body: dict, status: int
) -> None:
    protocol = GEMINI if family == "gemini" else OPENAI_CHAT
    headers = {**key_header(protocol), "content-type": "application/json"}
    response = web.client.post(path, content=_json(body), headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert_error(response, protocol, status)
