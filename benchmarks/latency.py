"""Added latency and throughput: direct to the upstream, through a bare Flask proxy, and through the
gateway (passthrough: an OpenAI client on an OpenAI upstream; translated: an Anthropic client on
the same upstream), all with metering on, at concurrency 1 and 8.

    python -m benchmarks.latency [--requests 2000]

Prints the figures; asserts nothing. The target for the gateway is under 1 ms added at p50 and a
throughput no lower than the bare proxy's.
"""

from __future__ import annotations

import argparse

from benchmarks.harness import Figures, bare_proxy, chat_call, fake_upstream, gateway, measure, messages_call


def run(requests: int) -> None:
    with fake_upstream() as upstream, gateway(upstream) as gw, bare_proxy(upstream) as proxy:
        targets = {
            "direct to upstream": chat_call(upstream),
            "bare Flask proxy": chat_call(proxy),
            "gateway passthrough": chat_call(gw, model="bench/openai"),
            "gateway translated": messages_call(gw),
        }
        print(f"{'target':<22} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'added p50':>10}")
        for concurrency in (1, 8):
            baseline: Figures | None = None
            for name, call in targets.items():
                figures = measure(call, concurrency, requests)
                baseline = baseline or figures
                added = figures.p50_ms - baseline.p50_ms
                print(
                    f"{name:<22} {concurrency:>4} {figures.p50_ms:>8.3f} {figures.p99_ms:>8.3f} "
                    f"{figures.rps:>8.0f} {added:>+10.3f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    run(parser.parse_args().requests)


if __name__ == "__main__":
    main()
