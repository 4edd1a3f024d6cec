"""Pricing: integer micros, one rounding up at the end, every bucket billed once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import Usage
from gateway.catalog import Prices
from gateway.metering.pricing import cost, max_cost

GPT_LIKE = Prices(
    input=2_500_000, output=10_000_000, cache_read=1_250_000, cache_write=3_125_000, image=40_000
)


def test_each_bucket_is_billed_at_its_own_rate():
    usage = Usage(
        input_tokens=1_000, output_tokens=500, cache_read_tokens=2_000, cache_write_tokens=400, images=2
    )
    # 1000*2.5 + 500*10 + 2000*1.25 + 400*3.125 micros-per-token, plus 2 images at 40_000
    assert cost(usage, GPT_LIKE) == 2_500 + 5_000 + 2_500 + 1_250 + 80_000


def test_no_usage_costs_nothing():
    assert cost(Usage(), GPT_LIKE) == 0


def test_a_fraction_of_a_micro_is_rounded_up():
    assert cost(Usage(input_tokens=1), GPT_LIKE) == 3  # 2.5 micros


def test_rounding_happens_once_on_the_total_not_per_bucket():
    half_a_micro = Prices(input=500_000, output=500_000)
    assert cost(Usage(input_tokens=1, output_tokens=1), half_a_micro) == 1


def test_exact_totals_are_not_rounded():
    assert cost(Usage(output_tokens=1_000_000), GPT_LIKE) == 10_000_000


def test_reasoning_is_billed_as_part_of_output_never_on_top():
    with_reasoning = Usage(input_tokens=10, output_tokens=100, reasoning_tokens=60)
    assert cost(with_reasoning, GPT_LIKE) == cost(Usage(input_tokens=10, output_tokens=100), GPT_LIKE)


def test_cache_buckets_are_not_billed_again_as_input():
    cached = Usage(input_tokens=0, cache_read_tokens=1_000_000)
    assert cost(cached, GPT_LIKE) == GPT_LIKE.cache_read


def test_max_cost_prices_input_at_the_dearest_input_rate():
    assert max_cost(1_000_000, 0, GPT_LIKE) == GPT_LIKE.cache_write
    assert max_cost(0, 1_000, GPT_LIKE) == 10_000
    assert max_cost(0, 0, GPT_LIKE, images=3) == 120_000


@given(
    st.integers(0, 200_000),
    st.integers(0, 64_000),
    st.integers(0, 4),
    st.data(),
)
def test_no_outcome_within_the_limits_costs_more_than_max_cost(estimate, max_output, images, data):
    read = data.draw(st.integers(0, estimate))
    write = data.draw(st.integers(0, estimate - read))
    output = data.draw(st.integers(0, max_output))
    reasoning = data.draw(st.integers(0, output))
    usage = Usage(estimate - read - write, output, read, write, reasoning, images)
    assert cost(usage, GPT_LIKE) <= max_cost(estimate, max_output, GPT_LIKE, images)


@pytest.mark.parametrize("field", ["input", "output", "cache_read", "cache_write", "image"])
def test_prices_with_a_float_are_refused(field):
    with pytest.raises(TypeError, match=field):
        cost(Usage(1, 1), Prices(**{field: 2.5}))


def test_negative_prices_are_refused():
    with pytest.raises(ValueError, match="output"):
        cost(Usage(1, 1), Prices(output=-1))


@pytest.mark.parametrize("count", [1.0, True, -1])
def test_usage_with_a_float_bool_or_negative_count_is_refused(count):
    with pytest.raises((TypeError, ValueError), match="output_tokens"):
        cost(Usage(output_tokens=count), GPT_LIKE)
