"""The baseline: a bare Flask proxy that forwards a body to the upstream and the reply back.

No validation, no auth, no translation, no metering — what "a Flask proxy" costs, served by the
same gunicorn recipe as the gateway, so the gateway's throughput can be held against it.
"""

from __future__ import annotations

import os

import httpx
from flask import Flask, Response, request

UPSTREAM = os.environ.get("BARE_PROXY_UPSTREAM", "http://127.0.0.1:9")
client = httpx.Client(limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
app = Flask(__name__)


@app.post("/v1/chat/completions")
def chat() -> Response:
    upstream = client.build_request(
        "POST",
        UPSTREAM + "/v1/chat/completions",
        content=request.get_data(),
        headers={"content-type": "application/json", "authorization": "Bearer upstream-secret"},
    )
    reply = client.send(upstream, stream=True)
    media_type = reply.headers.get("content-type", "application/json")
    if media_type.startswith("text/event-stream"):

        def relay():
            try:
                yield from reply.iter_bytes()
            finally:
                reply.close()

        return Response(relay(), status=reply.status_code, mimetype="text/event-stream")
    body = reply.read()
    reply.close()
    return Response(body, status=reply.status_code, mimetype=media_type)
