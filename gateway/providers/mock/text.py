"""The words of the mock's unscripted answers: deterministic, readable, and long enough to cut.

Every answer opens with a sentence that shows what the mock understood (the user's words, a tool's
result) and continues with filler drawn from a fixed vocabulary by a digest of the request, so
that two requests get visibly different text and a small ``max_tokens`` has something to truncate.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.providers.mock.conversation import ToolOutput
from gateway.providers.mock.ids import derived_bytes

QUOTE_LIMIT = 100
FILLER_WORDS = 40
SENTENCE_WORDS = 10
VOCABULARY = (
    "amber", "anchor", "arrow", "atlas", "beacon", "birch", "bridge", "canyon",
    "cedar", "cipher", "comet", "copper", "coral", "delta", "dune", "ember",
    "falcon", "fern", "fjord", "flint", "garnet", "glacier", "harbor", "hazel",
    "heron", "indigo", "island", "jasper", "juniper", "kestrel", "lagoon", "lantern",
    "maple", "marble", "meadow", "nectar", "nimbus", "oasis", "onyx", "orchid",
    "pebble", "pine", "prism", "quartz", "quill", "raven", "reef", "river",
    "saffron", "sparrow", "spruce", "summit", "thistle", "tide", "tundra", "umber",
    "valley", "velvet", "willow", "wren", "yarrow", "zenith", "zephyr", "zinnia",
)  # fmt: skip


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """The text on one line, shortened with an ellipsis past ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def filler(digest: bytes) -> str:
    """``FILLER_WORDS`` words from the vocabulary, in sentences of ``SENTENCE_WORDS``."""
    words = [VOCABULARY[byte % len(VOCABULARY)] for byte in derived_bytes(digest, "filler", FILLER_WORDS)]
    sentences = [words[start : start + SENTENCE_WORDS] for start in range(0, len(words), SENTENCE_WORDS)]
    return " ".join(" ".join(sentence).capitalize() + "." for sentence in sentences)


def answer_text(prompt: str, digest: bytes) -> str:
    """The plain answer: the user's words quoted, then filler."""
    opening = f'Mock answer to "{quote(prompt)}".' if prompt.strip() else "Mock answer."
    return f"{opening} {filler(digest)}"


def tool_answer_text(outputs: Sequence[ToolOutput], digest: bytes) -> str:
    """The final answer after tool results: each result's text in full, then filler."""
    reports = [f'The {output.name or "tool"} tool returned: "{output.text}".' for output in outputs]
    return " ".join([*reports, filler(digest)])


def thinking_text(prompt: str) -> str:
    """The reasoning shown before the answer when a request asks for thinking."""
    subject = f'"{quote(prompt)}"' if prompt.strip() else "an empty prompt"
    return f"The user wrote {subject}. A deterministic mock answer follows."
