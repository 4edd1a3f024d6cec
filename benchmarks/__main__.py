"""Run every benchmark and print its figures: ``python -m benchmarks``."""

from benchmarks import latency, metering_bench, streaming


def main() -> None:
    print("== proxy latency and throughput ==")
    latency.run(requests=2000)
    print("\n== streaming: time to first byte ==")
    streaming.run(streams=100, delay_ms=2.0)
    print("\n== metering overhead ==")
    metering_bench.main()


if __name__ == "__main__":
    main()
