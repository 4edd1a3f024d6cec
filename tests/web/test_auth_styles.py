"""One key, four ways to send it, every surface; and query parameters nobody declared are welcome.

SDKs disagree on where the key goes (OpenAI and Claude Code: ``Authorization: Bearer``, Anthropic:
``x-api-key``, Gemini: ``x-goog-api-key`` or ``?key=``), and clients add query parameters of their
own (the Anthropic SDK's ``?beta=true``). The gateway accepts all of them everywhere.
"""

from __future__ import annotations

import json

import httpx
import pytest

from gateway.settings import DEMO_KEY

from .conftest import WebGateway
from .surfaces import SURFACES, Surface, key_header

STYLES = {
    "bearer": ({"authorization": f"Bearer {DEMO_KEY}"}, {}),
    "x-api-key": ({"x-api-key": DEMO_KEY}, {}),
    "x-goog-api-key": ({"x-goog-api-key": DEMO_KEY}, {}),
    "query key": ({}, {"key": DEMO_KEY}),
}


def _call(
    web: WebGateway, surface: Surface, headers: dict[str, str], params: dict[str, str]
) -> httpx.Response:
    content = None if surface.body is None else json.dumps(surface.body).encode()
    all_headers = {**surface.headers, **headers}
    if content is not None:
        all_headers["content-type"] = "application/json"
    url = httpx.URL(surface.path)  # keep the surface's own query (alt=sse) beside the added one
    return web.client.request(
        surface.method, url.path, content=content, headers=all_headers, params={**url.params, **params}
    )


def _assert_served(response: httpx.Response, surface: Surface) -> None:
    assert response.status_code == 200, (surface.name, response.text)
    media_type = response.headers["content-type"].split(";")[0]
    streaming = "stream" in surface.path
    assert media_type == ("text/event-stream" if streaming else "application/json")
    if not streaming:
        assert isinstance(response.json(), dict)


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_every_auth_style_is_accepted_on_every_surface(web: WebGateway, surface: Surface, style: str) -> None:
    headers, params = STYLES[style]
    _assert_served(_call(web, surface, headers, params), surface)


@pytest.mark.parametrize("surface", SURFACES, ids=str)
def test_undeclared_query_parameters_are_accepted(web: WebGateway, surface: Surface) -> None:
    response = _call(web, surface, key_header(surface.protocol), {"beta": "true", "trace": "on", "x": ""})
    _assert_served(response, surface)


@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/v1beta/models", "pageSize", "many"),
        ("/v1beta/models", "prettyPrint", "maybe"),
        ("/v1/models/gemini-2.5-flash:streamGenerateContent", "alt", "xml"),
    ],
)
def test_a_declared_query_parameter_with_a_bad_value_is_a_400_naming_it(
    web: WebGateway, path: str, param: str, value: str
) -> None:
    body = None if path.endswith("models") else b'{"contents": [{"parts": [{"text": "hi"}]}]}'
    headers = {"x-goog-api-key": DEMO_KEY, "content-type": "application/json"}
    response = web.client.request(
        "POST" if body else "GET", path, content=body, headers=headers, params={param: value}
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert param in response.json()["error"]["message"]
