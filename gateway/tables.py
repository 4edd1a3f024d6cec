"""Mapping tables between canonical values and each protocol's spelling, written once as data.

Each table is a list of rows read in both directions by first match: encoding a canonical value
takes the first row with that value; decoding a wire value takes the first row with that wire
value. So a row order states the preferred spelling, and several wire values may decode to one
canonical value (Gemini's safety family) without a second table.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

from gateway.canonical import StopReason
from gateway.errors import ErrorKind

C = TypeVar("C", bound=Hashable)
W = TypeVar("W", bound=Hashable)

OPENAI_CHAT = "openai_chat"
OPENAI_RESPONSES = "openai_responses"
ANTHROPIC = "anthropic"
GEMINI = "gemini"
OPENAI_IMAGES = "openai_images"
OPENAI_MODELS = "openai_models"

PROTOCOLS = (OPENAI_CHAT, OPENAI_RESPONSES, ANTHROPIC, GEMINI)


class Table(Generic[C, W]):
    """Rows of (canonical, wire) read by first match in either direction."""

    __slots__ = ("_decode", "_encode")

    def __init__(self, rows: Sequence[tuple[C, W]]) -> None:
        self._encode: dict[C, W] = {}
        self._decode: dict[W, C] = {}
        for canonical, wire in rows:
            self._encode.setdefault(canonical, wire)
            self._decode.setdefault(wire, canonical)

    def encode(self, value: C) -> W:
        return self._encode[value]

    def decode(self, value: W, default: C | None = None) -> C:
        found = self._decode.get(value, default)
        if found is None:
            raise KeyError(value)
        return found


S = StopReason

# Responses has no finish reason on success: a finished response is "completed"; a cut-short one
# is "incomplete" with incomplete_details.reason. Its table maps to that reason (None = completed).
STOP_REASONS: dict[str, Table[StopReason, str | None]] = {
    OPENAI_CHAT: Table(
        [
            (S.END_TURN, "stop"),
            (S.STOP_SEQUENCE, "stop"),
            (S.PAUSE_TURN, "stop"),
            (S.MAX_TOKENS, "length"),
            (S.TOOL_USE, "tool_calls"),
            (S.TOOL_USE, "function_call"),
            (S.CONTENT_FILTER, "content_filter"),
        ]
    ),
    OPENAI_RESPONSES: Table(
        [
            (S.END_TURN, None),
            (S.STOP_SEQUENCE, None),
            (S.TOOL_USE, None),
            (S.PAUSE_TURN, None),
            (S.MAX_TOKENS, "max_output_tokens"),
            (S.CONTENT_FILTER, "content_filter"),
        ]
    ),
    ANTHROPIC: Table(
        [
            (S.END_TURN, "end_turn"),
            (S.STOP_SEQUENCE, "stop_sequence"),
            (S.MAX_TOKENS, "max_tokens"),
            (S.MAX_TOKENS, "model_context_window_exceeded"),
            (S.TOOL_USE, "tool_use"),
            (S.CONTENT_FILTER, "refusal"),
            (S.PAUSE_TURN, "pause_turn"),
        ]
    ),
    # Gemini says STOP whether or not it called a function; codecs decide TOOL_USE from the parts.
    GEMINI: Table(
        [
            (S.END_TURN, "STOP"),
            (S.STOP_SEQUENCE, "STOP"),
            (S.TOOL_USE, "STOP"),
            (S.PAUSE_TURN, "STOP"),
            (S.MAX_TOKENS, "MAX_TOKENS"),
            (S.CONTENT_FILTER, "SAFETY"),
            (S.CONTENT_FILTER, "RECITATION"),
            (S.CONTENT_FILTER, "BLOCKLIST"),
            (S.CONTENT_FILTER, "PROHIBITED_CONTENT"),
            (S.CONTENT_FILTER, "SPII"),
            (S.CONTENT_FILTER, "IMAGE_SAFETY"),
            (S.CONTENT_FILTER, "IMAGE_PROHIBITED_CONTENT"),
            (S.CONTENT_FILTER, "IMAGE_RECITATION"),
            (S.END_TURN, "FINISH_REASON_UNSPECIFIED"),
            (S.END_TURN, "OTHER"),
            (S.END_TURN, "LANGUAGE"),
            (S.END_TURN, "MALFORMED_FUNCTION_CALL"),
            (S.END_TURN, "UNEXPECTED_TOOL_CALL"),
            (S.END_TURN, "TOO_MANY_TOOL_CALLS"),
            (S.END_TURN, "IMAGE_OTHER"),
            (S.END_TURN, "NO_IMAGE"),
        ]
    ),
}

# Tool choice modes: canonical auto/none/required/tool (a named tool).
TOOL_CHOICE: dict[str, Table[str, str]] = {
    OPENAI_CHAT: Table([("auto", "auto"), ("none", "none"), ("required", "required"), ("tool", "function")]),
    OPENAI_RESPONSES: Table(
        [("auto", "auto"), ("none", "none"), ("required", "required"), ("tool", "function")]
    ),
    ANTHROPIC: Table([("auto", "auto"), ("none", "none"), ("required", "any"), ("tool", "tool")]),
    GEMINI: Table(
        [("auto", "AUTO"), ("none", "NONE"), ("required", "ANY"), ("tool", "ANY"), ("auto", "VALIDATED")]
    ),
}

# How many stop sequences each upstream accepts; more is refused, never silently truncated.
# Responses has no stop parameter at all.
STOP_SEQUENCE_LIMIT: dict[str, int] = {
    OPENAI_CHAT: 4,
    OPENAI_RESPONSES: 0,
    ANTHROPIC: 8191,
    GEMINI: 5,
}

K = ErrorKind

# kind, HTTP status, OpenAI (type, code), Anthropic type, Gemini status.
ERROR_ROWS: list[tuple[ErrorKind, int, tuple[str, str | None], str, str]] = [
    (K.INVALID_REQUEST, 400, ("invalid_request_error", None), "invalid_request_error", "INVALID_ARGUMENT"),
    (
        K.AUTHENTICATION,
        401,
        ("invalid_request_error", "invalid_api_key"),
        "authentication_error",
        "UNAUTHENTICATED",
    ),
    (K.BILLING, 402, ("insufficient_quota", "insufficient_balance"), "billing_error", "FAILED_PRECONDITION"),
    (K.PERMISSION, 403, ("permission_error", None), "permission_error", "PERMISSION_DENIED"),
    (K.NOT_FOUND, 404, ("invalid_request_error", "not_found"), "not_found_error", "NOT_FOUND"),
    (
        K.METHOD_NOT_ALLOWED,
        405,
        ("invalid_request_error", "method_not_allowed"),
        "invalid_request_error",
        "UNIMPLEMENTED",
    ),
    (
        K.REQUEST_TOO_LARGE,
        413,
        ("invalid_request_error", "request_too_large"),
        "request_too_large",
        "INVALID_ARGUMENT",
    ),
    (
        K.UNSUPPORTED_MEDIA_TYPE,
        415,
        ("invalid_request_error", "unsupported_media_type"),
        "invalid_request_error",
        "INVALID_ARGUMENT",
    ),
    (
        K.RATE_LIMIT,
        429,
        ("rate_limit_error", "rate_limit_exceeded"),
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
    ),
    (K.API_ERROR, 500, ("server_error", None), "api_error", "INTERNAL"),
    (K.BAD_GATEWAY, 502, ("server_error", "bad_gateway"), "api_error", "UNAVAILABLE"),
    (K.OVERLOADED, 503, ("server_error", "overloaded"), "overloaded_error", "UNAVAILABLE"),
    (K.TIMEOUT, 504, ("server_error", "timeout"), "timeout_error", "DEADLINE_EXCEEDED"),
]

# Where a protocol gives a kind its own status: Anthropic's overload is 529, not 503.
ERROR_STATUS_OVERRIDES: dict[tuple[str, ErrorKind], int] = {(ANTHROPIC, K.OVERLOADED): 529}

ERROR_STATUS: Table[ErrorKind, int] = Table(
    [(kind, status) for kind, status, *_ in ERROR_ROWS] + [(K.OVERLOADED, 529), (K.PERMISSION, 451)]
)
OPENAI_ERROR: Table[ErrorKind, tuple[str, str | None]] = Table([(row[0], row[2]) for row in ERROR_ROWS])
ANTHROPIC_ERROR: Table[ErrorKind, str] = Table([(row[0], row[3]) for row in ERROR_ROWS])
GEMINI_ERROR: Table[ErrorKind, str] = Table([(row[0], row[4]) for row in ERROR_ROWS])


def error_status(protocol: str, kind: ErrorKind) -> int:
    """The HTTP status a protocol uses for an error kind."""
    return ERROR_STATUS_OVERRIDES.get((protocol, kind)) or ERROR_STATUS.encode(kind)


def error_kind_for_status(status: int) -> ErrorKind:
    """The kind of an upstream error from its status alone (all protocols agree on statuses)."""
    fallback = K.INVALID_REQUEST if 400 <= status < 500 else K.API_ERROR
    return ERROR_STATUS.decode(status, fallback)


# OpenAI's reasoning_effort (chat) and reasoning.effort (Responses) have no "max".
_OPENAI_EFFORT: Table[str, str] = Table(
    [
        ("minimal", "minimal"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("xhigh", "xhigh"),
        ("max", "xhigh"),
    ]
)

# Reasoning effort: canonical minimal/low/medium/high (plus Anthropic's xhigh/max) <-> each
# protocol's levels. Anthropic's output_config.effort has no "minimal"; Gemini's thinkingLevel
# stops at HIGH.
EFFORT: dict[str, Table[str, str]] = {
    ANTHROPIC: Table(
        [
            ("low", "low"),
            ("medium", "medium"),
            ("high", "high"),
            ("xhigh", "xhigh"),
            ("max", "max"),
            ("minimal", "low"),
        ]
    ),
    OPENAI_CHAT: _OPENAI_EFFORT,
    OPENAI_RESPONSES: _OPENAI_EFFORT,
    GEMINI: Table(
        [
            ("minimal", "MINIMAL"),
            ("low", "LOW"),
            ("medium", "MEDIUM"),
            ("high", "HIGH"),
            ("xhigh", "HIGH"),
            ("max", "HIGH"),
        ]
    ),
}

# A thinking budget (tokens) read as an effort, for protocols that take only an effort (OpenAI):
# the first row whose budget covers it; a larger budget is "high". No "minimal": newer OpenAI
# models refuse it.
EFFORT_FOR_BUDGET: list[tuple[int, str]] = [(4096, "low"), (16384, "medium")]


def effort_for_budget(budget: int) -> str:
    """The canonical effort a thinking budget amounts to (see ``EFFORT_FOR_BUDGET``)."""
    return next((effort for limit, effort in EFFORT_FOR_BUDGET if budget <= limit), "high")


# Audio input: canonical format (OpenAI's spelling) <-> media type (Gemini inlineData.mimeType).
AUDIO_MEDIA_TYPES: Table[str, str] = Table(
    [
        ("wav", "audio/wav"),
        ("mp3", "audio/mp3"),
        ("mp3", "audio/mpeg"),
        ("flac", "audio/flac"),
        ("aac", "audio/aac"),
        ("ogg", "audio/ogg"),
        ("aiff", "audio/aiff"),
        ("pcm16", "audio/pcm"),
        ("wav", "audio/x-wav"),
    ]
)
