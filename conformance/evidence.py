"""Evidence: every request a check sent, every reply it got, and every rule a reply broke.

A certificate is only as useful as its failures are self-explaining, so a failure carries the
exchange that shows it (request and response, headers and body, cut to a readable size) beside the
rule id and message. The target's key is scrubbed from everything kept, wherever it appears.
Tests never print: they send through a ``Recorder`` and hand it the findings of the checks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from conformance.checks import Finding
from conformance.http import DEFAULT, Reply, Request, Target

__all__ = ["Exchange", "Failure", "Recorder", "clip", "scrub"]

HEAD_CHARS = 2000
TAIL_CHARS = 1000
MASK = "<key>"


@dataclass(frozen=True)
class Exchange:
    """One request and its reply, as the certificate shows them."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int
    response_headers: dict[str, str]
    response_body: str
    elapsed_ms: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Failure:
    """A broken rule with what shows it; ``exchange`` is None for a rule about no single reply."""

    rule: str
    message: str
    where: str = ""
    exchange: Exchange | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "where": self.where,
            "exchange": self.exchange.to_dict() if self.exchange else None,
        }

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        seen = ""
        if self.exchange is not None:
            seen = f" ({self.exchange.method} {self.exchange.url} -> {self.exchange.status or self.exchange.error})"
        return f"{self.rule}{place}: {self.message}{seen}"


@dataclass
class Recorder:
    """Per test: sends requests to the target, keeps the exchanges, collects broken rules."""

    target: Target
    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    notes: list[Failure] = field(default_factory=list)

    def send(
        self, request: Request, family: str, style: str | None = DEFAULT, key: str | None = None
    ) -> Reply:
        """Send with credentials for ``family`` (its default style, a given one, or None for none)."""
        prepared = self.target.prepare(request, family, style, key)
        reply = self.target.send(prepared)
        self.keep(self.exchange(prepared, reply))
        return reply

    def exchange(self, request: Request, reply: Reply) -> Exchange:
        """The evidence of one exchange, clipped and with every secret masked."""
        query = f"?{urlencode(dict(request.query))}" if request.query else ""
        url = f"{self.target.url}{request.path}{query}"
        return self._exchange(request.method, url, request.headers, request.content() or b"", reply)

    def _exchange(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, reply: Reply
    ) -> Exchange:
        return Exchange(
            method=method,
            url=self.scrub(url),
            request_headers=self.scrub_headers(headers),
            request_body=self.scrub(clip(body)),
            status=reply.status,
            response_headers=self.scrub_headers(reply.headers),
            response_body=self.scrub(clip(reply.body)),
            elapsed_ms=reply.elapsed_ms,
            error=self.scrub(reply.error) if reply.error else None,
        )

    def http_client(self, httpx_module: Any) -> Any:
        """An ``httpx_module.Client`` (httpx, or the Anthropic SDK's httpx2) for an official SDK:
        every exchange the SDK makes is kept as evidence, its body handed on untouched."""
        recorder = self

        class Recording(httpx_module.BaseTransport):  # type: ignore[misc, name-defined]
            def __init__(self) -> None:
                self._inner = httpx_module.HTTPTransport()

            def handle_request(self, request: Any) -> Any:
                started = time.perf_counter()
                body = request.read()
                sent = {name.lower(): value for name, value in request.headers.items()}
                try:
                    response = self._inner.handle_request(request)
                    raw = b"".join(response.stream)
                    response.close()
                except httpx_module.TransportError as exc:
                    failed = Reply(0, {}, b"", _since(started), f"{type(exc).__name__}: {exc}")
                    recorder.keep(recorder._exchange(request.method, str(request.url), sent, body, failed))
                    raise
                answered = httpx_module.Response(response.status_code, headers=response.headers, content=raw)
                received = {name.lower(): value for name, value in response.headers.items()}
                reply = Reply(response.status_code, received, answered.read(), _since(started))
                recorder.keep(recorder._exchange(request.method, str(request.url), sent, body, reply))
                return httpx_module.Response(
                    response.status_code,
                    headers=response.headers,
                    stream=httpx_module.ByteStream(raw),
                    request=request,
                    extensions=response.extensions,
                )

            def close(self) -> None:
                self._inner.close()

        return httpx_module.Client(transport=Recording(), timeout=60.0)

    def keep(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    @property
    def last(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    def check(self, findings: Iterable[Finding], exchange: Exchange | None = None) -> list[Finding]:
        """Keep findings as failures (errors) or notes (warnings), shown with ``exchange``
        (default: the last one sent). A rule broken many times in one answer (every event of a
        stream) is kept once, saying how many times. Returns the errors, so a test may stop early."""
        shown = exchange if exchange is not None else self.last
        findings = list(findings)
        times = Counter(finding.rule for finding in findings)
        kept: set[str] = set()
        for finding in findings:
            if finding.rule in kept:
                continue
            kept.add(finding.rule)
            message = finding.message
            if times[finding.rule] > 1:
                message += f" [broken {times[finding.rule]} times in this answer; the first is shown]"
            failure = Failure(finding.rule, message, finding.where, shown)
            (self.failures if finding.severity == "error" else self.notes).append(failure)
        return [finding for finding in findings if finding.severity == "error"]

    def fail(self, rule: str, message: str, where: str = "", exchange: Exchange | None = None) -> None:
        """A broken rule found by the test itself rather than by a check function."""
        self.failures.append(Failure(rule, message, where, exchange if exchange is not None else self.last))

    def note(self, rule: str, message: str) -> None:
        """Something worth reporting that breaks no rule (a warning in the certificate)."""
        self.notes.append(Failure(rule, message))

    def scrub(self, text: str) -> str:
        return scrub(text, self.target.key)

    def scrub_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: self.scrub(value) for name, value in headers.items()}


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked, as written and as a URL carries it."""
    if not secret:
        return text
    for form in (secret, quote_plus(secret), quote(secret, safe="")):
        text = text.replace(form, MASK)
    return text


def clip(body: bytes | str, head: int = HEAD_CHARS, tail: int = TAIL_CHARS) -> str:
    """A body as text, its middle elided when long: the start shows the shape, the end shows how
    a stream ended (the terminal events are where streams most often go wrong)."""
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    if len(text) <= head + tail + 100:
        return text
    elided = len(text) - head - tail
    return f"{text[:head]}\n... {elided} characters elided ...\n{text[-tail:]}"
