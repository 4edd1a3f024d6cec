"""The 16 inbound x upstream cells, whole (non-streamed): what the provider got, what the client got.

Each provider answers with a real recorded reply of its own (gzip-encoded where it was sent so);
the answer need not fit the question, since what matters is that what is parsed is what providers
really send. The client's body is checked against ``specs/`` and read for its meaning.
"""

from __future__ import annotations

import base64

import pytest
from translation.answers import PLAIN
from translation.checks import client_answer, exchange
from translation.dialects import (
    ANTHROPIC,
    CELLS,
    CHAT,
    GEMINI,
    RESPONSES,
    SYSTEM_ANYWHERE,
    Ask,
    ImageData,
    ImageUrl,
    Pdf,
    assistant,
    system,
    user,
)
from translation.expectations import assert_same_answer, expected_answer
from translation.fake_upstreams import Reply, recorded, recorded_json, recording
from translation.whole_bodies import whole_body

IMAGES = {
    CHAT: "openai/chat-vision-url__mirascope",
    RESPONSES: "openai/resp-vision-url__mirascope",
    ANTHROPIC: "anthropic/msg-vision-base64__mirascope",
    GEMINI: "gemini/vision-inline__arize",
}
PDFS = {
    CHAT: "openai/chat-pdf-file__mirascope",
    RESPONSES: "openai/resp-pdf__crewai",
    ANTHROPIC: "anthropic/msg-pdf__crewai",
    GEMINI: "gemini/pdf-inline__mirascope",
}
# Answers cut short by the output limit (Anthropic's exists only streamed: folded to its whole form).
TRUNCATED = {
    CHAT: "openai/chat-finish-length__mirascope",
    RESPONSES: "openai/resp-incomplete-max-output__mirascope",
    ANTHROPIC: "anthropic/max-tokens-stream__mirascope",
    GEMINI: "gemini/max-tokens__mirascope",
}

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 24).decode()
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()
CAT_URL = "https://upload.wikimedia.org/wikipedia/commons/3/3a/Cat03.jpg"


def whole_reply(protocol: str, name: str) -> tuple[Reply, dict]:
    """A recorded answer as a reply and its decoded body; a recorded stream is folded whole."""
    interaction = recording(name)
    if interaction.is_stream:
        body = whole_body(protocol, interaction.response.body)
        return Reply.json(body), body
    return recorded(name), recorded_json(name)


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_plain_text(gateway, upstreams, inbound, upstream):
    response, seen = exchange(
        gateway, upstreams, inbound, upstream, Ask([user("Say hello.")]), recorded(PLAIN[upstream])
    )
    assert_same_answer(
        client_answer(inbound, response), expected_answer(upstream, recorded_json(PLAIN[upstream]), inbound)
    )
    assert seen.roles == ["user"] or seen.roles == ["message"]
    if inbound == upstream:  # passthrough: the provider's bytes, untouched
        assert response.content == recording(PLAIN[upstream]).response.body


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_several_system_messages_keep_their_order(gateway, upstreams, inbound, upstream):
    question = Ask([system("You are terse."), system("Answer in French."), user("Say hello.")])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert seen.systems == ["You are terse.", "Answer in French."]


@pytest.mark.parametrize("upstream", [CHAT, RESPONSES, ANTHROPIC, GEMINI])
@pytest.mark.parametrize("inbound", SYSTEM_ANYWHERE)
def test_a_system_message_mid_conversation_is_kept_in_order(gateway, upstreams, inbound, upstream):
    """Claude Code and other agents add a system message between turns."""
    question = Ask(
        [
            system("You are terse."),
            user("What is 2+2?"),
            assistant("4."),
            system("From now on answer in French."),
            user("And 3+3?"),
        ]
    )
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    assert seen.systems == ["You are terse.", "From now on answer in French."]
    if upstream in SYSTEM_ANYWHERE:  # where the protocol can, it stays where the client put it
        texts = [_text_of(seen, i) for i in range(len(seen.messages))]
        assert texts.index("From now on answer in French.") == texts.index("4.") + 1


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_multi_turn_conversation_reaches_the_provider_in_order(gateway, upstreams, inbound, upstream):
    question = Ask([user("What is 2+2?"), assistant("4."), user("And times 3?")])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PLAIN[upstream]))
    client_answer(inbound, response)
    turns = [(_role(seen, i), _text_of(seen, i)) for i in range(len(seen.messages))]
    assert turns == [("user", "What is 2+2?"), ("assistant", "4."), ("user", "And times 3?")]


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_images_by_data_url_and_by_http_url(gateway, upstreams, inbound, upstream):
    question = Ask([user("Describe both images.", ImageData("image/png", PNG), ImageUrl(CAT_URL))])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(IMAGES[upstream]))
    assert_same_answer(
        client_answer(inbound, response), expected_answer(upstream, recorded_json(IMAGES[upstream]), inbound)
    )
    assert _media(seen) == [("image/png", PNG), (None, CAT_URL)]


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_a_pdf_reaches_every_provider_as_its_document_block(gateway, upstreams, inbound, upstream):
    question = Ask([user("Summarize this paper.", Pdf(PDF))])
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, recorded(PDFS[upstream]))
    assert_same_answer(
        client_answer(inbound, response), expected_answer(upstream, recorded_json(PDFS[upstream]), inbound)
    )
    assert _media(seen) == [("application/pdf", PDF)]


@pytest.mark.parametrize(("inbound", "upstream"), CELLS)
def test_max_tokens_truncation(gateway, upstreams, inbound, upstream):
    reply, body = whole_reply(upstream, TRUNCATED[upstream])
    question = Ask([user("List all U.S. states.")], max_tokens=50)
    response, seen = exchange(gateway, upstreams, inbound, upstream, question, reply)
    answer = client_answer(inbound, response)
    assert_same_answer(answer, expected_answer(upstream, body, inbound))
    assert answer.stop_reason in ("length", "max_output_tokens", "max_tokens", "MAX_TOKENS")
    assert seen.max_tokens == 50


# --- reading what the provider got ------------------------------------------------------------------


def _role(seen, position: int) -> str:
    message = seen.messages[position]
    role = message.get("role") or message.get("type")
    return {"model": "assistant"}.get(role, role)


def _text_of(seen, position: int) -> str:
    return "".join(
        part.get("text", "")
        for part in seen.contents_of(position)
        if part.get("type") in (None, "text", "input_text", "output_text")
    )


def _media(seen) -> list[tuple[str | None, str]]:
    """(media type, data or URL) of every image and document the provider got, in order."""
    found: list[tuple[str | None, str]] = []
    for position in range(len(seen.messages)):
        for part in seen.contents_of(position):
            found.extend(MEDIA[seen.protocol](part))
    return found


def _data_url(url: str) -> tuple[str | None, str]:
    if url.startswith("data:"):
        header, _, data = url[5:].partition(",")
        return header.split(";")[0], data
    return None, url


def _chat_media(part: dict) -> list[tuple[str | None, str]]:
    if part.get("type") == "image_url":
        return [_data_url(part["image_url"]["url"])]
    if part.get("type") == "file":
        return [_data_url(part["file"]["file_data"])]
    return []


def _responses_media(part: dict) -> list[tuple[str | None, str]]:
    if part.get("type") == "input_image":
        return [_data_url(part["image_url"])]
    if part.get("type") == "input_file":
        return [_data_url(part["file_data"])]
    return []


def _anthropic_media(part: dict) -> list[tuple[str | None, str]]:
    if part.get("type") not in ("image", "document"):
        return []
    source = part["source"]
    return [(None, source["url"])] if source["type"] == "url" else [(source["media_type"], source["data"])]


def _gemini_media(part: dict) -> list[tuple[str | None, str]]:
    if "inlineData" in part:
        return [(part["inlineData"]["mimeType"], part["inlineData"]["data"])]
    if "fileData" in part:
        return [(None, part["fileData"]["fileUri"])]
    return []


MEDIA = {CHAT: _chat_media, RESPONSES: _responses_media, ANTHROPIC: _anthropic_media, GEMINI: _gemini_media}
