"""Money as integers: micro-USD, so that no sum ever loses a fraction of a cent to a float.

People type and read dollars; the ledger stores and adds micros. These two functions are the only
place the two meet, and they go through ``Decimal`` so that "0.1" is exactly 100_000 micros.
"""

from __future__ import annotations

from decimal import Context, Decimal, DecimalException, Inexact, InvalidOperation, Overflow

MICROS_PER_USD = 1_000_000
MAX_MICROS = 2**63 - 1  # the ledger's 64-bit money columns

# Any rounding at all raises, so a conversion is either exact or refused.
_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, Overflow])


def parse_usd(text: str) -> int:
    """Micros for a dollar amount such as ``"12.50"`` or ``"$0.000001"``; finer than a micro is refused."""
    try:
        micros = _EXACT.multiply(Decimal(text.strip().removeprefix("$")), MICROS_PER_USD)
    except DecimalException:
        raise ValueError(f"not a dollar amount: {text!r}") from None
    if not micros.is_finite() or micros != micros.to_integral_value():
        raise ValueError(f"not a whole number of micro-dollars: {text!r}")
    if abs(micros) > MAX_MICROS:
        raise ValueError(f"too large for the ledger: {text!r}")
    return int(micros)


def format_usd(micros: int) -> str:
    """``12_500_000`` -> ``"12.50"``: at least cents, every significant micro, never rounded."""
    sign = "-" if micros < 0 else ""
    dollars, fraction = divmod(abs(micros), MICROS_PER_USD)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}{dollars}.{digits}"
