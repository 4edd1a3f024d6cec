"""Serving the gateway in-process on a loopback port, for tests, the conformance harness and users'
own CI: a real HTTP server (threaded, streaming) that starts in milliseconds and stops cleanly."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class RunningServer:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_server(app: Flask, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``app`` in a daemon thread; ``port=0`` picks a free port (see ``url``)."""
    server = make_server(host, port, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="gateway-server", daemon=True
    )
    thread.start()
    return RunningServer(f"http://{host}:{server.server_port}", server, thread)
