"""Secrets out of recorded traffic, before any of it is kept.

A recording holds what went over the wire, and the wire carries the user's API keys (in four
header styles and sometimes a ``key=`` query parameter), session cookies, and the organisation and
project the account belongs to. Providers also echo secrets back: OpenAI's 401 quotes the key it
refused, rate-limit messages name the organisation. ``Scrubber`` replaces all of it, in headers,
URLs and bodies (gzip bodies are opened, scrubbed and closed again), so the recorder never holds an
unscrubbed interaction and nothing secret can reach a cassette file.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcr.request import Request as VcrRequest

__all__ = ["PLACEHOLDER", "Scrubber"]

PLACEHOLDER = "REDACTED"

# Headers whose whole value is a credential or names the account.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "anthropic-organization-id",
        "anthropic-workspace-id",
        "x-goog-user-project",
    }
)
_ACCOUNT_HEADER = re.compile(r"^[a-z0-9-]*-(organization|organization-id|project|project-id|workspace-id)$")
SECRET_QUERY = frozenset({"key", "api_key", "api-key", "access_token", "token"})

# Secrets and account ids in text, whatever carries them: key shapes (OpenAI, Anthropic, Google),
# including the masked form OpenAI quotes back, and OpenAI organisation and project ids.
_PATTERNS = (
    (re.compile(r"\bsk-[A-Za-z0-9_*\-]{16,}"), "sk-" + PLACEHOLDER),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), "AIza" + PLACEHOLDER),
    (re.compile(r"\borg-[A-Za-z0-9]{12,}"), "org-" + PLACEHOLDER),
    (re.compile(r"\bproj_[A-Za-z0-9]{12,}"), "proj_" + PLACEHOLDER),
)


class Scrubber:
    """Scrubs vcrpy requests and response dicts; ``secrets`` are the literal values to remove
    wherever they appear (the keys the recorder sent)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, PLACEHOLDER)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def request(self, request: VcrRequest) -> VcrRequest:
        headers = self._headers({k: [v] for k, v in request.headers.items()})
        body = self._body(request.body or b"", gzipped=False)
        return VcrRequest(request.method, self._uri(request.uri), body, {k: v[0] for k, v in headers.items()})

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = self._headers(response["headers"])
        encoding = ",".join(v for k, vs in headers.items() if k.lower() == "content-encoding" for v in vs)
        body = response["body"]["string"]
        scrubbed = self._body(body, gzipped="gzip" in encoding.lower())
        if scrubbed != body:
            headers = _with_length(headers, len(scrubbed))
        return {**response, "headers": headers, "body": {"string": scrubbed}}

    def _headers(self, headers: dict[str, list[str]]) -> dict[str, list[str]]:
        out = {}
        for name, values in headers.items():
            secret = name.lower() in SECRET_HEADERS or _ACCOUNT_HEADER.match(name.lower())
            out[name] = [PLACEHOLDER if secret else self.text(str(value)) for value in values]
        return out

    def _uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        query = [
            (k, PLACEHOLDER if k.lower() in SECRET_QUERY else self.text(v)) for k, v in parse_qsl(parts.query)
        ]
        path = self.text(parts.path)
        return urlunsplit(parts._replace(path=path, query=urlencode(query, safe=":/")))

    def _body(self, body: bytes | str, *, gzipped: bool) -> bytes:
        raw = body.encode() if isinstance(body, str) else body
        if gzipped or raw[:2] == b"\x1f\x8b":
            try:
                opened = gzip.decompress(raw)
            except (OSError, EOFError):
                return raw
            scrubbed = self._bytes(opened)
            return raw if scrubbed == opened else gzip.compress(scrubbed, mtime=0)
        return self._bytes(raw)

    def _bytes(self, raw: bytes) -> bytes:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            for secret in self.secrets:
                raw = raw.replace(secret.encode(), PLACEHOLDER.encode())
            return raw
        return self.text(text).encode("utf-8")


def _with_length(headers: dict[str, list[str]], length: int) -> dict[str, list[str]]:
    return {k: ([str(length)] if k.lower() == "content-length" else v) for k, v in headers.items()}
