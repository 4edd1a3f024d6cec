"""Why the ledger refused: each refusal carries the numbers a caller needs to explain it.

None of these ever carries a secret: keys are named by their id.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every refusal the ledger makes on purpose (database failures are not wrapped)."""


class InsufficientBalance(LedgerError):
    """The account cannot cover the reservation; the caller answers 402."""

    def __init__(self, balance: int, amount: int) -> None:
        super().__init__(f"balance of {balance} micro-USD cannot cover {amount} micro-USD")
        self.balance = balance
        self.amount = amount


class CapExceeded(LedgerError):
    """The most this call can cost is above the key's per-call cap for the model."""

    def __init__(self, cap: int, amount: int, model: str) -> None:
        super().__init__(f"{amount} micro-USD exceeds this key's cap of {cap} micro-USD per call to {model}")
        self.cap = cap
        self.amount = amount
        self.model = model


class KeyRevoked(LedgerError):
    """The key was revoked after it authenticated (an authentication cache is at most a TTL old)."""

    def __init__(self, key_id: int) -> None:
        super().__init__(f"key {key_id} is revoked")
        self.key_id = key_id


class UnknownAccount(LedgerError):
    def __init__(self, account_id: int) -> None:
        super().__init__(f"no account {account_id}")
        self.account_id = account_id


class UnknownKey(LedgerError):
    def __init__(self, key_id: int) -> None:
        super().__init__(f"no key {key_id}")
        self.key_id = key_id


class KeyExists(LedgerError):
    """A key with the secret being registered already exists (the secret is not repeated here)."""

    def __init__(self) -> None:
        super().__init__("a key with this secret already exists")


class DuplicateRequest(LedgerError):
    """A reservation already exists for this request id: one request is charged once."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"request {request_id!r} already has a reservation")
        self.request_id = request_id


class ReservationClosed(LedgerError):
    """The reservation was already settled or released: settling twice never charges twice."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"reservation for request {request_id!r} is already closed")
        self.request_id = request_id
