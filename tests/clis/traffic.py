"""What a coding CLI sent: to the gateway (a WSGI log around the app), and anywhere else (a trap
proxy that refuses every connection and remembers where it was meant to go).

The CLIs fail quietly — an empty answer and exit code 0 — so a failing test prints the gateway's
side of the conversation: each request's path, status, and the body of any error it answered.
"""

from __future__ import annotations

import io
import json
import re
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

ERROR_BODY_LIMIT = 2000
MODEL_IN_PATH = re.compile(r"/models/([^/:]+):")


@dataclass(slots=True)
class Exchange:
    method: str
    path: str
    status: int = 0
    model: str = ""
    tools: list[tuple[str, str]] = field(default_factory=list)  # (type, name) of each tool offered
    error_body: bytes = b""

    def __str__(self) -> str:
        line = f"{self.method} {self.path} ({self.model or 'no model'}) -> {self.status}"
        if self.error_body:
            line += f"\n      {self.error_body[:ERROR_BODY_LIMIT].decode(errors='replace')}"
        return line


@dataclass
class GatewayLog:
    """A WSGI middleware: every request to the wrapped app, with its status and error bodies."""

    app: Callable[..., Iterable[bytes]]
    exchanges: list[Exchange] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING")
        exchange = Exchange(environ["REQUEST_METHOD"], f"{path}?{query}" if query else path)
        body = _body(environ)
        exchange.model = _model(body, path)
        exchange.tools = _tools(body)
        self.exchanges.append(exchange)

        def recording_start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            exchange.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, *exc_info)

        return self._body(self.app(environ, recording_start), exchange)

    @staticmethod
    def _body(chunks: Iterable[bytes], exchange: Exchange) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                if exchange.status >= 400 and len(exchange.error_body) < ERROR_BODY_LIMIT:
                    exchange.error_body += chunk
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def errors(self) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.status >= 400]

    def report(self) -> str:
        return "\n".join(f"    {exchange}" for exchange in self.exchanges) or "    (no requests)"


@dataclass(frozen=True, slots=True)
class LoggedGateway:
    url: str
    log: GatewayLog


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON body ({} if it has none), read and put back for the app."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not length:
        return {}
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _model(body: dict[str, Any], path: str) -> str:
    """The model a request asks for: in its path (Gemini) or its body."""
    found = MODEL_IN_PATH.search(path)
    return found.group(1) if found else str(body.get("model") or "")


def _tools(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (type, name) of each tool a request offers, where tools carry both at the top
    (Responses; Anthropic's client tools have no type)."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [
        (str(tool.get("type") or ""), str(tool.get("name") or "")) for tool in tools if isinstance(tool, dict)
    ]


class _TrapHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request_line = self.rfile.readline(4096).decode(errors="replace").strip()
        self.server.attempts.append(request_line)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class OutboundTrap(socketserver.ThreadingTCPServer):
    """An HTTP(S) proxy on loopback that lets nothing through: set as the CLIs' proxy (with
    loopback exempted), it turns any call to a vendor's servers into a refusal and a record."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TrapHandler)
        self.attempts: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, name="outbound-trap", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
