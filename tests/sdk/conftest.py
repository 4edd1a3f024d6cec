"""The official SDKs, each pointed at a gateway on loopback (embedded defaults: the mock upstream)."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types as gtypes

from gateway.settings import DEMO_KEY


@pytest.fixture
def openai_client(gateway_url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=DEMO_KEY, base_url=f"{gateway_url}/v1", max_retries=0)


@pytest.fixture
def anthropic_client(gateway_url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=DEMO_KEY, base_url=gateway_url, max_retries=0)


class SentRequests:
    """What the google-genai SDK sent: each request's path and headers, to prove the API version
    and the key header are the SDK's own choices."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    @property
    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]

    def assert_from_the_sdk(self, api_prefix: str) -> None:
        """Every request went to ``api_prefix`` with the key in ``x-goog-api-key``, not the URL."""
        assert self.requests, "the SDK sent nothing"
        assert all(path.startswith(api_prefix) for path in self.paths), self.paths
        assert all(request.headers.get("x-goog-api-key") == DEMO_KEY for request in self.requests)
        assert all("key" not in request.url.params for request in self.requests)


@pytest.fixture
def sent() -> SentRequests:
    return SentRequests()


@pytest.fixture(params=["v1beta", None], ids=["v1beta", "sdk-default"])
def api_version(request: pytest.FixtureRequest) -> str | None:
    """``v1beta`` (Gemini CLI, the REST docs) or None: the SDK's own default, which is ``v1``."""
    return request.param


@pytest.fixture
def api_prefix(api_version: str | None) -> str:
    return f"/{api_version or 'v1'}/"


@pytest.fixture
def genai_client(api_version: str | None, gateway_url: str, sent: SentRequests) -> Iterator[genai.Client]:
    http = httpx.Client(event_hooks={"request": [sent]}, timeout=30)
    options = gtypes.HttpOptions(base_url=gateway_url, api_version=api_version, httpx_client=http)
    yield genai.Client(api_key=DEMO_KEY, http_options=options)
    http.close()
