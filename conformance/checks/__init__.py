"""Pure conformance rules: streams, error bodies and stream/non-stream equivalence, per protocol.

No I/O and no pytest here: every check takes what a gateway answered (parsed SSE events, a body,
headers, optionally the request) and returns ``Finding`` objects, each naming its rule
(``<protocol>.<family>.<rule>``), the place and what was seen against what was expected.
Protocols are named as in ``gateway.tables``: ``openai_chat``, ``openai_responses``,
``anthropic``, ``gemini``.
"""

from conformance.checks.answer import Answer, ToolCall
from conformance.checks.errors import check_error_body, check_stream_error
from conformance.checks.findings import Finding, errors_only
from conformance.checks.streams import (
    answer_of_body,
    check_gemini_json_array,
    check_stream,
    equivalence,
    fold,
)

__all__ = [
    "Answer",
    "Finding",
    "ToolCall",
    "answer_of_body",
    "check_error_body",
    "check_gemini_json_array",
    "check_stream",
    "check_stream_error",
    "equivalence",
    "errors_only",
    "fold",
]
