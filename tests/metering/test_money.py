"""Dollars as people type them, micros as the ledger stores them, converted exactly."""

from __future__ import annotations

import pytest

from gateway.money import format_usd, parse_usd


@pytest.mark.parametrize(
    ("text", "micros"),
    [("12.50", 12_500_000), ("$0.000001", 1), ("0.1", 100_000), ("7", 7_000_000), (" 0 ", 0)],
)
def test_parse_usd_is_exact(text, micros):
    assert parse_usd(text) == micros


@pytest.mark.parametrize("text", ["0.0000001", "abc", "", "inf", "nan", "1e400", "1." + "0" * 70 + "1"])
def test_parse_usd_refuses_what_is_not_whole_micros(text):
    with pytest.raises(ValueError):
        parse_usd(text)


@pytest.mark.parametrize(
    ("micros", "text"),
    [(12_500_000, "12.50"), (1, "0.000001"), (0, "0.00"), (-2_340_000, "-2.34"), (123_456_789, "123.456789")],
)
def test_format_usd_keeps_every_micro(micros, text):
    assert format_usd(micros) == text
