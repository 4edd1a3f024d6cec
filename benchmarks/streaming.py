"""Time to first byte and total time of a 50-event stream: direct to the upstream, through the
gateway in passthrough (OpenAI client, OpenAI upstream) and translated (Anthropic client).

    python -m benchmarks.streaming [--streams 100] [--delay-ms 2]

The upstream spaces its events by ``--delay-ms``, so a gateway that buffered would show a first
byte late by the whole stream. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time

from benchmarks.harness import Call, chat_call, fake_upstream, gateway, messages_call


def _one_stream(call: Call) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", call.port)
    start = time.perf_counter()
    conn.request("POST", call.path, call.body, dict(call.headers))
    response = conn.getresponse()
    first = b""
    while not first.strip():
        first = response.readline()
    ttfb = time.perf_counter() - start
    response.read()
    total = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{call.path} answered {response.status}")
    return ttfb, total


def run(streams: int, delay_ms: float) -> None:
    with fake_upstream(stream_events=50, stream_delay_ms=delay_ms) as upstream, gateway(upstream) as gw:
        targets = {
            "direct to upstream": chat_call(upstream, stream=True),
            "gateway passthrough": chat_call(gw, model="bench/openai", stream=True),
            "gateway translated": messages_call(gw, stream=True),
        }
        print(f"50-event stream, {delay_ms} ms between upstream events, {streams} streams each")
        print(f"{'target':<22} {'TTFB p50 ms':>12} {'TTFB p99 ms':>12} {'total p50 ms':>13}")
        for name, call in targets.items():
            _one_stream(call)
            samples = [_one_stream(call) for _ in range(streams)]
            ttfb = sorted(s[0] * 1000 for s in samples)
            total = [s[1] * 1000 for s in samples]
            p99 = ttfb[max(0, int(len(ttfb) * 0.99) - 1)]
            print(
                f"{name:<22} {statistics.median(ttfb):>12.3f} {p99:>12.3f} {statistics.median(total):>13.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--delay-ms", type=float, default=2.0)
    args = parser.parse_args()
    run(args.streams, args.delay_ms)


if __name__ == "__main__":
    main()
