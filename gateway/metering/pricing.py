"""What a call costs: pure integer arithmetic over a model's prices and an upstream's usage.

Prices (``gateway.catalog.Prices``) are micro-USD per million tokens (``$2.50/M`` is ``2_500_000``)
and micro-USD per image, so a token's exact price is a fraction of a micro. The exact total of all
buckets is therefore computed in micro-USD-per-million units and rounded up once, at the end:
rounding each bucket would overcharge by up to a micro per bucket, and rounding down would let long
runs of tiny calls go free.

Bucket rules (those of ``gateway.canonical.Usage``): ``input_tokens`` excludes both cache buckets,
so each input token is billed in exactly one of input, cache read or cache write; ``output_tokens``
includes reasoning, so reasoning is billed at the output rate as part of output and
``reasoning_tokens`` is never added on top.
"""

from __future__ import annotations

from dataclasses import fields, replace

from gateway.canonical import Usage
from gateway.catalog import Prices

TOKENS_PER_PRICE_UNIT = 1_000_000


def cost(usage: Usage, prices: Prices) -> int:
    """The micros a call costs: the exact sum of every bucket, rounded up once."""
    require_counts(usage)
    require_counts(prices)
    exact = (
        usage.input_tokens * prices.input
        + usage.output_tokens * prices.output
        + usage.cache_read_tokens * prices.cache_read
        + usage.cache_write_tokens * prices.cache_write
        + usage.images * prices.image * TOKENS_PER_PRICE_UNIT
    )
    return -(-exact // TOKENS_PER_PRICE_UNIT)


def max_cost(input_tokens_estimate: int, max_output_tokens: int, prices: Prices, images: int = 0) -> int:
    """The most a call can cost, which is what a reservation holds before the upstream is called.

    Each input token is priced at the dearest of the three input rates, because the upstream
    decides which bucket it lands in (a cache write usually costs more than fresh input); output is
    priced as if the model used its whole limit. An estimate below the real input size makes the
    reservation too small, and the difference an over-run (see ``Ledger.settle``).
    """
    dearest_input = max(prices.input, prices.cache_read, prices.cache_write)
    worst_case = Usage(input_tokens=input_tokens_estimate, output_tokens=max_output_tokens, images=images)
    return cost(worst_case, replace(prices, input=dearest_input))


def require_counts(value: Usage | Prices) -> None:
    """Refuses floats, bools and negatives, so that no fraction or sign error reaches a balance
    or the usage log."""
    for field in fields(value):
        count = getattr(value, field.name)
        if type(count) is not int:
            raise TypeError(f"{type(value).__name__}.{field.name} must be an int, not {type(count).__name__}")
        if count < 0:
            raise ValueError(f"{type(value).__name__}.{field.name} must not be negative: {count}")
