"""A fast fake upstream on loopback: canned OpenAI and Anthropic answers, streams with pacing.

Benchmarks measure what the gateway adds, so the upstream must be cheap and predictable: bodies
are built once, keep-alive is on, and a stream's events can be spaced by a fixed delay so that
time to first byte is visible.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHAT = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello from the fake upstream.", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
    }
).encode()


def chat_chunks(events: int) -> list[bytes]:
    """A chat stream of ``events`` content deltas, then the finish, usage and [DONE] chunks."""
    head = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o",
    }

    def chunk(delta: dict, finish: str | None = None) -> bytes:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": f"tok{i} "}) for i in range(events)]
    chunks.append(chunk({}, "stop"))
    usage = {
        **head,
        "choices": [],
        "usage": {"prompt_tokens": 12, "completion_tokens": events, "total_tokens": 12 + events},
    }
    chunks.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
    chunks.append(b"data: [DONE]\n\n")
    return chunks


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed ACK
    stream_events = 50
    stream_delay = 0.0

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if b'"stream":true' in body.replace(b" ", b""):
            self._stream()
        else:
            self._send(CHAT)

    def _send(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for data in chat_chunks(self.stream_events):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
            if self.stream_delay:
                time.sleep(self.stream_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def start(port: int = 0, *, stream_events: int = 50, stream_delay: float = 0.0) -> ThreadingHTTPServer:
    """Serve in a background thread; returns the server (``server_address`` has the port)."""
    handler = type("Handler", (_Handler,), {"stream_events": stream_events, "stream_delay": stream_delay})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    import sys

    port, events, delay_ms = (sys.argv[1:] + ["0", "50", "0"][len(sys.argv) - 1 :])[:3]
    server = start(int(port), stream_events=int(events), stream_delay=float(delay_ms) / 1000)
    threading.Event().wait()
