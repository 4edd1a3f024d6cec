"""Metering seen over HTTP, on SQLite and on PostgreSQL: refusals in each protocol's shape, the cost
header, release on upstream failure, the balance and usage endpoints, parallel calls, and a stream
billed exactly like the whole reply it carries.

Prices are chosen so that every cost is an integer the test computes itself from the usage the
reply reports: $1/M input tokens is 1 micro a token, $2/M output 2, $0.50/M cache reads half a
micro, $1.50/M cache writes one and a half, $0.25 an image 250000. On PostgreSQL the gateway's
tables live in a schema of their own (``search_path`` in the ledger URL), away from other tests'.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request as ServerRequest
from werkzeug import Response as ServerResponse

from conformance.checks import check_error_body, errors_only
from gateway.app import create_app
from gateway.cassettes.loader import load_recording
from gateway.metering import Ledger
from gateway.serving import start_server
from gateway.settings import settings_from_env
from gateway.sse import SSEDecoder
from gateway.tables import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_IMAGES, OPENAI_RESPONSES

RECORDING = (
    Path(__file__).resolve().parents[3]
    / "shared/upstream-recordings/anthropic/thinking-stream-tools__simonw.yaml"
)
MOCK_MODEL = "test/priced"
RECORDED_MODEL = "recorded/claude"
IMAGE_MICROS = 250_000


def catalog(upstream_url: str) -> dict[str, Any]:
    return {
        "providers": {
            "mock": {"kind": "mock"},
            "recorded": {"kind": "anthropic", "base_url": upstream_url},
        },
        "models": [
            {"id": MOCK_MODEL, "provider": "mock", "prices": {"input": "1.00", "output": "2.00"}},
            {"id": "test/painter", "provider": "mock", "kind": "image", "prices": {"image": "0.25"}},
            {
                "id": RECORDED_MODEL,
                "provider": "recorded",
                "upstream_model": "claude-haiku-4-5-20251001",
                "prices": {"input": "1.00", "output": "2.00", "cache_read": "0.50", "cache_write": "1.50"},
            },
        ],
    }


def cost_of(usage: dict[str, int]) -> int:
    """The test's own price arithmetic, rounded up to a whole micro as the gateway bills."""
    halves = (
        2 * usage.get("input", 0)
        + 4 * usage.get("output", 0)
        + usage.get("cache_read", 0)
        + 3 * usage.get("cache_write", 0)
    )
    return -(-halves // 2) + IMAGE_MICROS * usage.get("images", 0)


# --- one request per protocol, and what its reply says it used -------------------------------------


@dataclass(frozen=True)
class Call:
    protocol: str
    path: str
    body: dict[str, Any]
    usage: Callable[[dict[str, Any]], dict[str, int]]  # reply body -> token counts
    auth: str = "authorization"

    def __str__(self) -> str:
        return self.protocol

    @property
    def shape(self) -> str:
        """Whose error shape the refusals take (images errors are OpenAI's)."""
        return OPENAI_CHAT if self.protocol == OPENAI_IMAGES else self.protocol

    def headers(self, secret: str) -> dict[str, str]:
        if self.auth == "authorization":
            return {"authorization": f"Bearer {secret}"}
        return {self.auth: secret, "anthropic-version": "2023-06-01"}

    def streamed(self) -> Call:
        if self.protocol == GEMINI:
            path = self.path.replace(":generateContent", ":streamGenerateContent?alt=sse")
            return Call(self.protocol, path, self.body, self.usage, self.auth)
        return Call(self.protocol, self.path, {**self.body, "stream": True}, self.usage, self.auth)


PROMPT = "Count the ships in the harbour"
CALLS = [
    Call(
        OPENAI_CHAT,
        "/v1/chat/completions",
        {"model": MOCK_MODEL, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 40},
        lambda r: {"input": r["usage"]["prompt_tokens"], "output": r["usage"]["completion_tokens"]},
    ),
    Call(
        OPENAI_RESPONSES,
        "/v1/responses",
        {"model": MOCK_MODEL, "input": PROMPT, "max_output_tokens": 40},
        lambda r: {"input": r["usage"]["input_tokens"], "output": r["usage"]["output_tokens"]},
    ),
    Call(
        ANTHROPIC,
        "/v1/messages",
        {"model": MOCK_MODEL, "max_tokens": 40, "messages": [{"role": "user", "content": PROMPT}]},
        lambda r: {"input": r["usage"]["input_tokens"], "output": r["usage"]["output_tokens"]},
        auth="x-api-key",
    ),
    Call(
        GEMINI,
        f"/v1beta/models/{MOCK_MODEL}:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
            "generationConfig": {"maxOutputTokens": 40},
        },
        lambda r: {
            "input": r["usageMetadata"]["promptTokenCount"],
            "output": r["usageMetadata"]["candidatesTokenCount"]
            + r["usageMetadata"].get("thoughtsTokenCount", 0),
        },
        auth="x-goog-api-key",
    ),
]
IMAGES = Call(
    OPENAI_IMAGES,
    "/v1/images/generations",
    {"model": "test/painter", "prompt": "a lighthouse", "n": 2, "size": "256x256"},
    lambda r: {"images": len(r["data"])},
)


# --- the gateway under test --------------------------------------------------------------------------


@contextmanager
def own_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of our own, as a ledger URL whose ``search_path`` points into it."""
    url = sa.make_url(postgres_url)
    schema = f"http_metering_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@dataclass
class Metered:
    url: str
    ledger: Ledger

    def key(self, balance: int, caps: dict[str, int] | None = None) -> str:
        account = self.ledger.create_account("tester", balance)
        return self.ledger.create_key(account, "test key", caps).secret

    def send(self, call: Call, secret: str) -> httpx.Response:
        return httpx.post(f"{self.url}{call.path}", json=call.body, headers=call.headers(secret), timeout=60)

    def balance(self, secret: str) -> int:
        response = httpx.get(f"{self.url}/v1/balance", headers={"x-api-key": secret}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["balance_micros"]

    def usage(self, secret: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/v1/usage", params={"limit": 100}, headers={"x-api-key": secret})
        assert response.status_code == 200, response.text
        return response.json()["data"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def metered(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, make_httpserver: HTTPServer
) -> Iterator[Metered]:
    """One gateway per ledger backend for the module; each test works on accounts of its own."""
    directory = tmp_path_factory.mktemp("http-metering")
    catalog_path = directory / "catalog.yaml"
    catalog_path.write_text(
        yaml.safe_dump(catalog(make_httpserver.url_for("").rstrip("/"))), encoding="utf-8"
    )
    with ExitStack() as stack:
        if request.param == "sqlite":
            ledger_url = f"sqlite:///{directory / 'ledger.sqlite3'}"
        else:
            ledger_url = stack.enter_context(own_schema(request.getfixturevalue("postgres_url")))
        settings = settings_from_env({}, ledger_url=ledger_url, catalog_path=catalog_path, upstream="live")
        server = stack.enter_context(start_server(create_app(settings.with_(demo_key=None))))
        ledger = stack.enter_context(Ledger(ledger_url, auth_cache_ttl=0))
        yield Metered(server.url, ledger)


def assert_error_shape(response: httpx.Response, protocol: str, status: int) -> None:
    assert response.status_code == status, response.text
    findings = errors_only(check_error_body(protocol, status, response.content, response.headers))
    assert not findings, "\n".join(map(str, findings))


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("call", [*CALLS, IMAGES], ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_a_balance_that_cannot_cover_the_hold_is_a_402_in_the_callers_shape(
    metered: Metered, call: Call, streamed: bool
) -> None:
    if streamed and call is IMAGES:
        pytest.skip("images do not stream")
    secret = metered.key(balance=20)
    response = metered.send(call.streamed() if streamed else call, secret)
    assert_error_shape(response, call.shape, 402)
    assert "balance" in response.json()["error"]["message"].lower()
    assert metered.balance(secret) == 20 and metered.usage(secret) == []


@pytest.mark.parametrize("call", [*CALLS, IMAGES], ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_a_hold_above_the_keys_cap_is_refused_with_a_clear_400(metered: Metered, call: Call) -> None:
    model = call.body.get("model", MOCK_MODEL)
    secret = metered.key(balance=10_000_000, caps={model: 30})
    response = metered.send(call, secret)
    assert_error_shape(response, call.shape, 400)
    message = response.json()["error"]["message"]
    assert "cap" in message and model in message and "$0.00003" in message
    assert metered.balance(secret) == 10_000_000 and metered.usage(secret) == []

    roomy = metered.key(balance=10_000_000, caps={model: 1_000_000})
    assert metered.send(call, roomy).status_code == 200


# --- charging ------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [*CALLS, IMAGES], ids=lambda c: c.path.rsplit("/", 1)[-1])
def test_the_cost_header_is_the_price_of_the_reported_usage(metered: Metered, call: Call) -> None:
    secret = metered.key(balance=10_000_000)
    response = metered.send(call, secret)
    assert response.status_code == 200, response.text
    expected = cost_of(call.usage(response.json()))
    assert expected > 0
    assert int(response.headers["x-gateway-cost-micros"]) == expected
    (entry,) = metered.usage(secret)
    assert (entry["cost_micros"], entry["state"], entry["status"]) == (expected, "settled", "ok")
    assert metered.balance(secret) == 10_000_000 - expected


def test_balance_and_usage_endpoints_follow_the_calls(metered: Metered) -> None:
    secret = metered.key(balance=5_000_000)
    costs = []
    for call in [*CALLS, IMAGES]:
        response = metered.send(call, secret)
        assert response.status_code == 200, response.text
        costs.append((call.protocol, cost_of(call.usage(response.json()))))
    stream = metered.send(CALLS[0].streamed(), secret)
    assert stream.status_code == 200 and "x-gateway-cost-micros" not in stream.headers

    log = metered.usage(secret)
    assert len(log) == len(costs) + 1
    assert [(e["protocol"], e["cost_micros"]) for e in reversed(log[1:])] == costs
    assert log[0]["cost_micros"] == costs[0][1], "a stream costs what the same whole call costs"
    assert all(e["state"] == "settled" and e["model"] in (MOCK_MODEL, "test/painter") for e in log)
    assert [e["id"] for e in log] == sorted((e["id"] for e in log), reverse=True)
    assert metered.balance(secret) == 5_000_000 - sum(e["cost_micros"] for e in log)


def test_32_parallel_calls_against_a_balance_for_10_charge_exactly_10(metered: Metered) -> None:
    """The hold equals the cost here (the output is cut at max_tokens and the input estimate is the
    count), so exactly 10 holds fit, however the calls interleave."""
    call = CALLS[0]
    probe = metered.key(balance=1_000_000)
    assert metered.send(call, probe).status_code == 200
    (first,) = metered.usage(probe)
    hold = first["reserved_micros"]
    assert first["cost_micros"] == hold > 0

    secret = metered.key(balance=10 * hold)
    balances: list[int] = []
    done = threading.Event()

    account = metered.ledger.authenticate(secret).account_id

    def watch() -> None:
        while not done.wait(0.002):
            balances.append(metered.ledger.balance(account))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(lambda _: metered.send(call, secret).status_code, range(32)))
    finally:
        done.set()
        watcher.join()

    assert sorted(statuses) == [200] * 10 + [402] * 22
    log = metered.usage(secret)
    assert len(log) == 10 and all(e["state"] == "settled" and e["cost_micros"] == hold for e in log)
    assert metered.balance(secret) == 0
    assert balances and min(balances) >= 0


# --- upstream failures ---------------------------------------------------------------------------


OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
# Anthropic's own 529 reaches its clients as sent; OpenAI clients know overload as a 503.
OVERLOADED_STATUS = {ANTHROPIC: 529, OPENAI_CHAT: 503}
RECORDED_CALLS = {
    ANTHROPIC: Call(
        ANTHROPIC,
        "/v1/messages",
        {
            "model": RECORDED_MODEL,
            "max_tokens": 2000,
            "messages": [{"role": "user", "content": "Use the tool."}],
        },
        lambda r: {},
        auth="x-api-key",
    ),
    OPENAI_CHAT: Call(
        OPENAI_CHAT,
        "/v1/chat/completions",
        {
            "model": RECORDED_MODEL,
            "max_tokens": 2000,
            "messages": [{"role": "user", "content": "Use the tool."}],
        },
        lambda r: {},
    ),
}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("protocol", list(RECORDED_CALLS))
def test_an_upstream_failure_releases_the_hold_and_logs_the_status(
    metered: Metered, httpserver: HTTPServer, protocol: str, streamed: bool
) -> None:
    httpserver.expect_request("/v1/messages", method="POST").respond_with_json(OVERLOADED, status=529)
    call = RECORDED_CALLS[protocol]
    secret = metered.key(balance=1_000_000)
    response = metered.send(call.streamed() if streamed else call, secret)
    assert_error_shape(response, protocol, OVERLOADED_STATUS[protocol])
    (entry,) = metered.usage(secret)
    assert (entry["state"], entry["cost_micros"], entry["status"]) == ("released", 0, "overloaded")
    assert entry["reserved_micros"] > 0 and entry["usage"]["output_tokens"] == 0
    assert metered.balance(secret) == 1_000_000


# --- a stream and the whole reply of one real recording ----------------------------------------------


def _recorded_stream() -> bytes:
    if not RECORDING.is_file():
        pytest.skip(f"real recordings not present at {RECORDING}")
    return load_recording(RECORDING)[0].response.body


def whole_message(sse: bytes) -> dict[str, Any]:
    """The message an Anthropic stream spells out, as the non-streamed reply carries it: the
    ``message_start`` message, each block with its deltas applied, then ``message_delta``'s stop
    reason and (cumulative) usage."""
    decoder = SSEDecoder()
    message: dict[str, Any] = {}
    partial_json: dict[int, str] = {}
    for event in decoder.feed(sse) + decoder.close():
        data = json.loads(event.data)
        kind = data["type"]
        if kind == "message_start":
            message = data["message"]
        elif kind == "content_block_start":
            message["content"].append(data["content_block"])
        elif kind == "content_block_delta":
            block, delta = message["content"][data["index"]], data["delta"]
            for field, key in (("text", "text"), ("thinking", "thinking"), ("signature", "signature")):
                if key in delta and delta["type"] != "input_json_delta":
                    block[field] = block.get(field, "") + delta[key]
            if delta["type"] == "input_json_delta":
                partial_json[data["index"]] = partial_json.get(data["index"], "") + delta["partial_json"]
        elif kind == "content_block_stop" and partial_json.get(data["index"]):
            message["content"][data["index"]]["input"] = json.loads(partial_json[data["index"]])
        elif kind == "message_delta":
            message.update(data["delta"])
            message["usage"].update(data["usage"])
    return message


def _serve_recording(request: ServerRequest) -> ServerResponse:
    sse = _recorded_stream()
    if json.loads(request.get_data()).get("stream"):
        return ServerResponse(sse, content_type="text/event-stream; charset=utf-8")
    return ServerResponse(json.dumps(whole_message(sse)), content_type="application/json")


LEDGER_FIELDS = ("model", "protocol", "state", "status", "reserved_micros", "cost_micros", "usage")


@pytest.mark.parametrize("protocol", list(RECORDED_CALLS))
def test_a_stream_and_the_whole_reply_of_one_recording_make_identical_ledger_rows(
    metered: Metered, httpserver: HTTPServer, protocol: str
) -> None:
    final_usage = whole_message(_recorded_stream())["usage"]
    httpserver.expect_request("/v1/messages", method="POST").respond_with_handler(_serve_recording)
    call = RECORDED_CALLS[protocol]
    secret = metered.key(balance=1_000_000)
    whole = metered.send(call, secret)
    assert whole.status_code == 200, whole.text
    with httpx.stream(
        "POST", f"{metered.url}{call.path}", json={**call.body, "stream": True}, headers=call.headers(secret)
    ) as stream:
        assert stream.status_code == 200
        events = list(stream.iter_lines())
    assert any("fixed_version" in line for line in events), "the streamed reply reached the client"

    streamed_row, whole_row = metered.usage(secret)
    assert {f: streamed_row[f] for f in LEDGER_FIELDS} == {f: whole_row[f] for f in LEDGER_FIELDS}
    expected = cost_of(
        {
            "input": final_usage["input_tokens"],
            "output": final_usage["output_tokens"],
            "cache_read": final_usage["cache_read_input_tokens"],
            "cache_write": final_usage["cache_creation_input_tokens"],
        }
    )
    assert whole_row["cost_micros"] == expected == int(whole.headers["x-gateway-cost-micros"])
    assert whole_row["usage"]["input_tokens"] == final_usage["input_tokens"]
    assert whole_row["usage"]["output_tokens"] == final_usage["output_tokens"]
    assert whole_row["usage"]["reasoning_tokens"] == final_usage["output_tokens_details"]["thinking_tokens"]
