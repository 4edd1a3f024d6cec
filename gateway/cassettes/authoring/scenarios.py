"""The scenarios behind ``cassettes/``: one request in its provider's own protocol and what the
provider answers, for every behaviour a gateway must carry (plain, streamed, tools, parallel tools,
thinking, vision, PDF, truncation) and every error the providers return.

Every request is distinct, so a directory of these cassettes is unambiguous to replay. The content
is the project's own (a coastal, maritime theme), never text from the real recordings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway import tables
from gateway.canonical import StopReason, Usage
from gateway.cassettes.authoring.answers import Answer, Call, Failure, Text, Thought
from gateway.cassettes.authoring.media import pdf_base64, png_base64

S = StopReason
PNG = png_base64()
PDF = pdf_base64("Le Conquet harbour: high water 06:12, low water 12:31")


@dataclass(frozen=True, slots=True)
class Scenario:
    """``request`` is what a client of ``protocol`` sends the gateway for ``client_model`` (a
    catalog name; Gemini has it in the URL, the others in the body); ``model`` is the model the
    provider names in its answer."""

    provider: str
    name: str
    protocol: str
    client_model: str
    request: dict[str, Any]
    reply: Answer | Failure
    model: str
    stream: bool = False
    image_tokens: int = 0


def usage(input_tokens: int, output: int, *, read: int = 0, write: int = 0, reasoning: int = 0) -> Usage:
    return Usage(input_tokens, output, read, write, reasoning)


def answer(*blocks: Text | Thought | Call, stop: StopReason = S.END_TURN, used: Usage) -> Answer:
    return Answer(tuple(blocks), stop, used)


# --- OpenAI chat completions -------------------------------------------------------------------------

CHAT = "gpt-4o-mini"
CHAT_REPLY = "gpt-4o-mini-2024-07-18"
TIDE_TOOL = {
    "type": "function",
    "function": {
        "name": "get_tide_times",
        "description": "High and low water times for a harbour on a given day.",
        "parameters": {
            "type": "object",
            "properties": {
                "port": {"type": "string", "description": "Harbour name"},
                "date": {"type": "string", "description": "ISO date"},
            },
            "required": ["port", "date"],
        },
    },
}
CURRENCY_TOOL = {
    "type": "function",
    "function": {
        "name": "convert_currency",
        "description": "Convert an amount between two currencies at today's rate.",
        "parameters": {
            "type": "object",
            "properties": {
                "amount": {"type": "number"},
                "source": {"type": "string", "description": "ISO 4217 code"},
                "target": {"type": "string", "description": "ISO 4217 code"},
            },
            "required": ["amount", "source", "target"],
        },
    },
}
WIND_TOOL = {
    "type": "function",
    "function": {
        "name": "get_wind",
        "description": "Current wind speed and direction at a coastal weather station.",
        "parameters": {
            "type": "object",
            "properties": {"station": {"type": "string"}},
            "required": ["station"],
        },
    },
}


def chat(name: str, messages: list[dict[str, Any]], reply: Answer | Failure, **extra: Any) -> Scenario:
    stream = bool(extra.get("stream"))
    model = extra.pop("model", CHAT)
    body = {"model": model, "messages": messages, "max_completion_tokens": extra.pop("limit", 300), **extra}
    reply_model = "o4-mini-2025-04-16" if model == "o4-mini" else CHAT_REPLY
    return Scenario("openai", f"chat-{name}", tables.OPENAI_CHAT, model, body, reply, reply_model, stream)


def user(text: str, *media: dict[str, Any]) -> dict[str, Any]:
    if not media:
        return {"role": "user", "content": text}
    return {"role": "user", "content": [{"type": "text", "text": text}, *media]}


CHAT_SCENARIOS = [
    chat(
        "plain",
        [
            {"role": "system", "content": "You answer in one sentence."},
            user("Why do lighthouses use a Fresnel lens?"),
        ],
        answer(
            Text(
                "A Fresnel lens bends the light of a small lamp into a strong, narrow beam while staying "
                "far thinner and lighter than a solid lens of the same power."
            ),
            used=usage(18, 31, read=0),
        ),
    ),
    chat(
        "stream",
        [user("Give me a two-line rhyme about tide pools.")],
        answer(
            Text("Where the ocean pauses, small worlds hide;\nanemones wait for the turning tide."),
            used=usage(17, 19),
        ),
        stream=True,
        stream_options={"include_usage": True},
    ),
    chat(
        "tools",
        [user("When is high tide in Brest on 2026-03-14?")],
        answer(
            Call("get_tide_times", {"port": "Brest", "date": "2026-03-14"}),
            stop=S.TOOL_USE,
            used=usage(79, 22),
        ),
        tools=[TIDE_TOOL],
        tool_choice="auto",
    ),
    chat(
        "parallel-tools",
        [user("How much is 250 euros in yen, and in pounds?")],
        answer(
            Call("convert_currency", {"amount": 250, "source": "EUR", "target": "JPY"}),
            Call("convert_currency", {"amount": 250, "source": "EUR", "target": "GBP"}),
            stop=S.TOOL_USE,
            used=usage(88, 61),
        ),
        tools=[CURRENCY_TOOL],
    ),
    chat(
        "stream-tools",
        [user("Compare the wind at Ouessant and at Ile de Sein right now.")],
        answer(
            Call("get_wind", {"station": "Ouessant"}),
            Call("get_wind", {"station": "Ile de Sein"}),
            stop=S.TOOL_USE,
            used=usage(64, 48),
        ),
        tools=[WIND_TOOL],
        stream=True,
        stream_options={"include_usage": True},
    ),
    chat(
        "thinking",
        [user("Is 391 a prime number? Answer yes or no with one reason.")],
        answer(Text("No: 391 = 17 x 23."), used=usage(21, 214, reasoning=192)),
        model="o4-mini",
        reasoning_effort="low",
        limit=2000,
    ),
    chat(
        "vision",
        [
            user(
                "Which two colours make up this small picture?",
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            )
        ],
        answer(Text("It is split into a blue band on top and a yellow band below."), used=usage(281, 15)),
    ),
    chat(
        "pdf",
        [
            user(
                "What does this document say about high water?",
                {
                    "type": "file",
                    "file": {"filename": "tides.pdf", "file_data": f"data:application/pdf;base64,{PDF}"},
                },
            )
        ],
        answer(Text("It gives high water at Le Conquet harbour at 06:12."), used=usage(312, 14)),
    ),
    chat(
        "max-tokens",
        [user("Tell the full history of the Eddystone lighthouse.")],
        answer(
            Text("The first Eddystone lighthouse, built by Henry Winstanley in 1698, was"),
            stop=S.MAX_TOKENS,
            used=usage(16, 16),
        ),
        limit=16,
    ),
    chat(
        "err400",
        [
            user(
                "Describe this harbour photo.",
                {"type": "image_url", "image_url": {"url": "https://images.example.org/harbour-missing.jpg"}},
            )
        ],
        Failure(
            400,
            "invalid_request",
            "Timeout while downloading https://images.example.org/harbour-missing.jpg.",
            code="invalid_image_url",
        ),
    ),
    chat(
        "err401",
        [user("List three knots every sailor should know.")],
        Failure(
            401,
            "authentication",
            "Incorrect API key provided: sk-proj-******************************************************9f2c. "
            "You can find your API key at https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        ),
    ),
    chat(
        "err404",
        [user("What is a spring tide?")],
        Failure(
            404,
            "not_found",
            f"The model `{CHAT}` does not exist or you do not have access to it.",
            code="model_not_found",
        ),
    ),
    chat(
        "err429",
        [user("Translate 'fair winds' into Breton.")],
        Failure(
            429,
            "rate_limit",
            f"Rate limit reached for {CHAT} in organization org-Q3xk8BzWm2LpT7vNc4RdYs1H on requests per min "
            "(RPM): Limit 500, Used 500, Requested 1. Please try again in 2s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.",
            retry_after=2,
            code="rate_limit_exceeded",
        ),
    ),
    chat(
        "err500",
        [user("Name the brightest lighthouse in Brittany.")],
        Failure(
            500,
            "server",
            "The server hit an error while handling your request. Retry it, or contact us through our help "
            "center at help.openai.com if the error keeps happening.",
        ),
    ),
    chat(
        "err503",
        [user("How far away is the horizon from a 30 m cliff?")],
        Failure(503, "unavailable", "no healthy upstream"),
    ),
]


# --- OpenAI Responses ------------------------------------------------------------------------------

RESPONSES = "gpt-5"
RESPONSES_REPLY = "gpt-5-2025-08-07"
LOG_TOOL = {
    "type": "function",
    "name": "log_sighting",
    "description": "Record a marine wildlife sighting in the logbook.",
    "parameters": {
        "type": "object",
        "properties": {"species": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["species", "count"],
        "additionalProperties": False,
    },
    "strict": True,
}
DEPTH_TOOL = {
    "type": "function",
    "name": "chart_depth",
    "description": "Charted depth in metres at a named anchorage.",
    "parameters": {
        "type": "object",
        "properties": {"anchorage": {"type": "string"}},
        "required": ["anchorage"],
        "additionalProperties": False,
    },
    "strict": True,
}


def responses(name: str, text: str | list[dict[str, Any]], reply: Answer | Failure, **extra: Any) -> Scenario:
    items = [{"role": "user", "content": text}] if isinstance(text, str) else text
    body = {
        "model": RESPONSES,
        "input": items,
        "max_output_tokens": extra.pop("limit", 2000),
        "reasoning": extra.pop("reasoning", {"effort": "low"}),
        **extra,
    }
    stream = bool(extra.get("stream"))
    return Scenario(
        "openai",
        f"responses-{name}",
        tables.OPENAI_RESPONSES,
        RESPONSES,
        body,
        reply,
        RESPONSES_REPLY,
        stream,
    )


RESPONSES_SCENARIOS = [
    responses(
        "plain",
        "Suggest a name for a lighthouse keeper's cat.",
        answer(
            Text("Beacon — bright, watchful, and always home before dark."), used=usage(17, 78, reasoning=64)
        ),
    ),
    responses(
        "stream",
        "In one sentence, what is a sea breeze?",
        answer(
            Text(
                "A sea breeze is the cool afternoon wind that blows from the sea onto land warmed by the sun."
            ),
            used=usage(16, 86, reasoning=64),
        ),
        stream=True,
    ),
    responses(
        "tools",
        "Log two grey seals seen off Molène.",
        answer(
            Call("log_sighting", {"species": "grey seal", "count": 2}),
            stop=S.TOOL_USE,
            used=usage(70, 87, reasoning=64),
        ),
        tools=[LOG_TOOL],
    ),
    responses(
        "parallel-tools",
        "What are the charted depths at Porz Paul and at Lampaul?",
        answer(
            Call("chart_depth", {"anchorage": "Porz Paul"}),
            Call("chart_depth", {"anchorage": "Lampaul"}),
            stop=S.TOOL_USE,
            used=usage(66, 110, reasoning=64),
        ),
        tools=[DEPTH_TOOL],
    ),
    responses(
        "stream-tools",
        "Log one basking shark and three dolphins from today's crossing.",
        answer(
            Call("log_sighting", {"species": "basking shark", "count": 1}),
            Call("log_sighting", {"species": "common dolphin", "count": 3}),
            stop=S.TOOL_USE,
            used=usage(74, 121, reasoning=64),
        ),
        tools=[LOG_TOOL],
        stream=True,
    ),
    responses(
        "reasoning",
        "A boat sails 12 nautical miles in 1.5 hours. What is its speed in knots?",
        answer(
            Thought(
                "**Dividing distance by time**\n\nTwelve nautical miles over an hour and a half is 8 per hour."
            ),
            Text("8 knots."),
            used=usage(28, 205, reasoning=192),
        ),
        reasoning={"effort": "medium", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
    ),
    responses(
        "reasoning-stream",
        "How many minutes are there between high water at 06:12 and low water at 12:31?",
        answer(
            Thought(
                "**Counting the interval**\n\nFrom 06:12 to 12:12 is six hours; 19 more minutes makes 379."
            ),
            Text("379 minutes."),
            used=usage(31, 238, reasoning=224),
        ),
        reasoning={"effort": "medium", "summary": "auto"},
        stream=True,
    ),
    responses(
        "vision",
        [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Is the top of this picture blue or yellow?"},
                    {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "low"},
                ],
            }
        ],
        answer(Text("The top of the picture is blue."), used=usage(101, 73, reasoning=64)),
    ),
    responses(
        "pdf",
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_file",
                        "filename": "harbour.pdf",
                        "file_data": f"data:application/pdf;base64,{PDF}",
                    },
                    {"type": "input_text", "text": "When is low water according to this notice?"},
                ],
            }
        ],
        answer(Text("Low water at Le Conquet is at 12:31."), used=usage(297, 76, reasoning=64)),
    ),
    responses(
        "max-tokens",
        "Write a detailed guide to reading nautical charts.",
        answer(
            Text("Reading a nautical chart starts with"), stop=S.MAX_TOKENS, used=usage(17, 20, reasoning=12)
        ),
        limit=20,
    ),
    responses(
        "err400",
        "Which flag means 'man overboard'?",
        Failure(
            400,
            "invalid_request",
            "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
            code="unsupported_value",
            param="temperature",
        ),
        temperature=0.2,
    ),
    responses(
        "err401",
        "What does a red over white light mean at night?",
        Failure(
            401,
            "authentication",
            "Incorrect API key provided: sk-proj-******************************************************71bd. "
            "You can find your API key at https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        ),
    ),
    responses(
        "err404",
        "Continue the passage plan from where we stopped.",
        Failure(
            404,
            "not_found",
            "Previous response with id 'resp_68c1f0e4a2b081909a55c3d1f0e7b2aa' not found.",
            code="previous_response_not_found",
            param="previous_response_id",
        ),
        previous_response_id="resp_68c1f0e4a2b081909a55c3d1f0e7b2aa",
    ),
    responses(
        "err429",
        "Summarise the rules of the road for sailing vessels.",
        Failure(
            429,
            "rate_limit",
            f"Rate limit reached for {RESPONSES} in organization org-Q3xk8BzWm2LpT7vNc4RdYs1H on tokens per min "
            "(TPM): Limit 30000, Used 29870, Requested 1420. Please try again in 2.58s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.",
            retry_after=3,
            code="rate_limit_exceeded",
        ),
    ),
    responses(
        "err500",
        "What is the Beaufort number for a near gale?",
        Failure(
            500,
            "server",
            "An error occurred while processing your request. You can retry your request, or contact us "
            "through our help center at help.openai.com if the error persists.",
            code="server_error",
        ),
    ),
    responses(
        "err503",
        "Spell 'Ouessant' in the NATO alphabet.",
        Failure(503, "overloaded", "The server is overloaded or not ready yet."),
    ),
]


# --- OpenAI images -----------------------------------------------------------------------------------


def images(name: str, prompt: str, reply: Answer | Failure, **extra: Any) -> Scenario:
    body = {"model": "gpt-image-1", "prompt": prompt, "size": "1024x1024", "quality": "low", **extra}
    return Scenario(
        "openai", f"images-{name}", tables.OPENAI_IMAGES, body["model"], body, reply, "gpt-image-1"
    )


IMAGE_SCENARIOS = [
    images(
        "generate",
        "A red and white striped lighthouse on a granite rock at dawn, watercolour.",
        answer(used=usage(19, 272)),
    ),
    images(
        "err400",
        "A photorealistic portrait of a specific living celebrity at the helm.",
        Failure(
            400,
            "image_rejected",
            "Your request was rejected by the safety system. If you believe this is an error, contact us at "
            "help.openai.com and include the request ID req_5f1c2a9e07b84c3d9e6a1b2c3d4e5f60.",
            code="moderation_blocked",
        ),
    ),
    images(
        "err401",
        "A fishing boat returning to harbour in the rain.",
        Failure(
            401,
            "authentication",
            "Incorrect API key provided: sk-proj-******************************************************0c3e. "
            "You can find your API key at https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        ),
    ),
    images(
        "err429",
        "Seagulls over a harbour wall, linocut style.",
        Failure(
            429,
            "rate_limit",
            "Rate limit reached for images per minute in organization org-Q3xk8BzWm2LpT7vNc4RdYs1H: Limit 5, "
            "Used 5, Requested 1. Please try again in 12s.",
            retry_after=12,
            code="rate_limit_exceeded",
        ),
    ),
    images(
        "err500",
        "A chart table with brass dividers, oil painting.",
        Failure(500, "server", "The image service hit an internal error. Please retry your request."),
    ),
]


# --- Anthropic Messages ------------------------------------------------------------------------------

SONNET = "claude-sonnet-4-5"
SONNET_REPLY = "claude-sonnet-4-5-20250929"
TIDE_TOOL_ANTHROPIC = {
    "name": "get_tide_times",
    "description": "High and low water times for a harbour on a given day.",
    "input_schema": TIDE_TOOL["function"]["parameters"],
}
WEATHER_TOOL = {
    "name": "get_forecast",
    "description": "The shipping forecast for a sea area.",
    "input_schema": {
        "type": "object",
        "properties": {"area": {"type": "string", "description": "Sea area name"}},
        "required": ["area"],
    },
}


def anthropic(
    name: str, content: str | list[dict[str, Any]], reply: Answer | Failure, **extra: Any
) -> Scenario:
    body = {
        "model": SONNET,
        "max_tokens": extra.pop("limit", 1024),
        "messages": [{"role": "user", "content": content}],
        **extra,
    }
    return Scenario(
        "anthropic", name, tables.ANTHROPIC, SONNET, body, reply, SONNET_REPLY, bool(extra.get("stream"))
    )


ANTHROPIC_SCENARIOS = [
    anthropic(
        "plain",
        "What does 'veering' mean for a wind?",
        answer(
            Text("A veering wind changes direction clockwise, for example from south-west to west."),
            used=usage(12, 24, read=2048, write=0),
        ),
        system=[
            {
                "type": "text",
                "text": "You are a concise sailing instructor. Answer in one sentence.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
    ),
    anthropic(
        "stream",
        "Name two signs that fog is coming in at sea.",
        answer(
            Text("Falling visibility on the horizon and a sudden drop in air temperature over cold water."),
            used=usage(18, 22),
        ),
        stream=True,
    ),
    anthropic(
        "tools",
        "When is low tide at Roscoff on 2026-04-02?",
        answer(
            Text("I'll look up the tide times for Roscoff."),
            Call("get_tide_times", {"port": "Roscoff", "date": "2026-04-02"}),
            stop=S.TOOL_USE,
            used=usage(402, 71),
        ),
        tools=[TIDE_TOOL_ANTHROPIC],
    ),
    anthropic(
        "parallel-tools",
        "Get the shipping forecast for Plymouth and for Portland.",
        answer(
            Text("I'll get both forecasts."),
            Call("get_forecast", {"area": "Plymouth"}),
            Call("get_forecast", {"area": "Portland"}),
            stop=S.TOOL_USE,
            used=usage(388, 96),
        ),
        tools=[WEATHER_TOOL],
    ),
    anthropic(
        "stream-tools",
        "Compare the forecasts for Fastnet and Lundy.",
        answer(
            Text("Let me fetch both forecasts."),
            Call("get_forecast", {"area": "Fastnet"}),
            Call("get_forecast", {"area": "Lundy"}),
            stop=S.TOOL_USE,
            used=usage(391, 104),
        ),
        tools=[WEATHER_TOOL],
        stream=True,
    ),
    anthropic(
        "thinking",
        "A tide rises 4.2 m over six hours. Using the rule of twelfths, how much does it rise in the third hour?",
        answer(
            Thought(
                "The rule of twelfths gives 1, 2, 3, 3, 2, 1 twelfths per hour. The third hour is 3/12 of 4.2 m."
            ),
            Text("It rises 1.05 m in the third hour (3/12 of 4.2 m)."),
            used=usage(52, 158),
        ),
        thinking={"type": "enabled", "budget_tokens": 2048},
        limit=4096,
    ),
    anthropic(
        "thinking-stream",
        "If a lighthouse flashes every 7.5 seconds, how many flashes are there in an hour?",
        answer(
            Thought("An hour has 3600 seconds. 3600 / 7.5 = 480."),
            Text("480 flashes an hour."),
            used=usage(44, 97),
        ),
        thinking={"type": "enabled", "budget_tokens": 2048},
        limit=4096,
        stream=True,
    ),
    anthropic(
        "vision",
        [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
            {"type": "text", "text": "Describe the colours of this image in five words or fewer."},
        ],
        answer(Text("Blue above, yellow below."), used=usage(37, 9)),
    ),
    anthropic(
        "pdf",
        [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}},
            {"type": "text", "text": "Quote the harbour name from this document."},
        ],
        answer(Text("The document names Le Conquet harbour."), used=usage(1620, 11)),
    ),
    anthropic(
        "max-tokens",
        "Explain in detail how a sextant is used to find latitude.",
        answer(Text("To find latitude with a sextant, you measure"), stop=S.MAX_TOKENS, used=usage(17, 10)),
        limit=10,
    ),
    anthropic(
        "err400",
        "Reply with the word 'ahoy'.",
        Failure(
            400,
            "invalid_request",
            f"max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for {SONNET_REPLY}",
        ),
        limit=64001,
    ),
    anthropic(
        "err401",
        "What colour is a starboard navigation light?",
        Failure(401, "authentication", "invalid x-api-key"),
    ),
    anthropic(
        "err404",
        "How long is a nautical mile in metres?",
        Failure(404, "not_found", f"model: {SONNET_REPLY}"),
    ),
    anthropic(
        "err429",
        "Give me a knot for joining two ropes of different thickness.",
        Failure(
            429,
            "rate_limit",
            "This request would exceed the rate limit for your organization of 50 requests per minute. "
            "For details, refer to: https://docs.claude.com/en/api/rate-limits.",
            retry_after=14,
        ),
    ),
    anthropic(
        "err500",
        "What is the difference between a buoy and a beacon?",
        Failure(500, "server", "Internal server error"),
    ),
    anthropic(
        "err529",
        "Which way does a cardinal north mark's top mark point?",
        Failure(529, "overloaded", "Overloaded"),
    ),
]


# --- Gemini --------------------------------------------------------------------------------------------

FLASH = "gemini-2.5-flash"


def gemini(name: str, parts: list[dict[str, Any]], reply: Answer | Failure, **extra: Any) -> Scenario:
    stream = extra.pop("stream", False)
    image_tokens = extra.pop("image_tokens", 0)
    config = {"maxOutputTokens": extra.pop("limit", 2048), **extra.pop("config", {})}
    body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config, **extra}
    return Scenario("gemini", name, tables.GEMINI, FLASH, body, reply, FLASH, stream, image_tokens)


def said(text: str) -> list[dict[str, Any]]:
    return [{"text": text}]


PORT_FUNCTION = {
    "name": "find_marina",
    "description": "Find visitor berths at a marina.",
    "parameters": {
        "type": "object",
        "properties": {"town": {"type": "string"}, "length_m": {"type": "number"}},
        "required": ["town"],
    },
}
SWELL_FUNCTION = {
    "name": "get_swell",
    "description": "Swell height and period at a surf spot.",
    "parameters": {"type": "object", "properties": {"spot": {"type": "string"}}, "required": ["spot"]},
}
THINK = {"thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True}}

GEMINI_SCENARIOS = [
    gemini(
        "plain",
        said("In one sentence, why is sea water salty?"),
        answer(
            Text(
                "Rivers carry dissolved minerals from rocks into the sea, and evaporation leaves the salt behind."
            ),
            used=usage(10, 231, reasoning=210),
        ),
    ),
    gemini(
        "stream",
        said("Write a haiku about a foghorn."),
        answer(
            Text("A low voice calling\nthrough the grey, slow breath of sea—\nships answer, unseen."),
            used=usage(8, 412, reasoning=392),
        ),
        stream=True,
    ),
    gemini(
        "tools",
        said("Find me a visitor berth for a 10 metre boat in Camaret."),
        answer(
            Call("find_marina", {"town": "Camaret", "length_m": 10}),
            stop=S.TOOL_USE,
            used=usage(74, 127, reasoning=105),
        ),
        tools=[{"functionDeclarations": [PORT_FUNCTION]}],
    ),
    gemini(
        "parallel-tools",
        said("What is the swell at La Torche and at Guidel right now?"),
        answer(
            Call("get_swell", {"spot": "La Torche"}),
            Call("get_swell", {"spot": "Guidel"}),
            stop=S.TOOL_USE,
            used=usage(62, 140, reasoning=104),
        ),
        tools=[{"functionDeclarations": [SWELL_FUNCTION]}],
    ),
    gemini(
        "stream-tools",
        said("Check the swell at Lacanau and at Hossegor."),
        answer(
            Call("get_swell", {"spot": "Lacanau"}),
            Call("get_swell", {"spot": "Hossegor"}),
            stop=S.TOOL_USE,
            used=usage(60, 131, reasoning=95),
        ),
        tools=[{"functionDeclarations": [SWELL_FUNCTION]}],
        stream=True,
    ),
    gemini(
        "thinking",
        said("A ship's log reads 1,204 nm at noon and 1,336 nm at 18:00. What was the average speed?"),
        answer(
            Thought(
                "**Working out the run**\n\nThe distance is 1336 - 1204 = 132 nm over 6 hours, so 22 knots.\n\n"
            ),
            Text("The average speed was 22 knots."),
            used=usage(38, 318, reasoning=309),
        ),
        config=THINK,
    ),
    gemini(
        "thinking-stream",
        said("How many degrees of longitude does the sun cross in 40 minutes?"),
        answer(
            Thought(
                "**Relating time to longitude**\n\nThe sun crosses 15 degrees an hour, a quarter degree a minute.\n\n"
            ),
            Thought("**Multiplying**\n\nForty minutes times a quarter degree is ten degrees.\n\n"),
            Text("10 degrees of longitude."),
            used=usage(16, 377, reasoning=370),
        ),
        config=THINK,
        stream=True,
    ),
    gemini(
        "vision",
        [
            {"text": "What colour is the bottom half of this image?"},
            {"inlineData": {"mimeType": "image/png", "data": PNG}},
        ],
        answer(Text("The bottom half is yellow."), used=usage(269, 81, reasoning=75)),
        image_tokens=258,
    ),
    gemini(
        "pdf",
        [
            {"inlineData": {"mimeType": "application/pdf", "data": PDF}},
            {"text": "At what time is high water in this notice?"},
        ],
        answer(Text("High water is at 06:12."), used=usage(270, 96, reasoning=88)),
    ),
    gemini(
        "max-tokens",
        said("Write an essay on the history of the Breton fishing fleet."),
        answer(Text("The Breton fishing fleet"), stop=S.MAX_TOKENS, used=usage(13, 24, reasoning=19)),
        limit=24,
    ),
    gemini(
        "err400",
        [
            {"text": "Describe this chart."},
            {"inlineData": {"mimeType": "image/png", "data": "bm90IGFuIGltYWdl"}},
        ],
        Failure(400, "invalid_request", "Provided image is not valid."),
    ),
    gemini(
        "err404",
        said("What is slack water?"),
        Failure(
            404,
            "not_found",
            f"models/{FLASH} is not found for API version v1beta, or is not supported for generateContent. "
            "Call ListModels to see the list of available models and their supported methods.",
        ),
    ),
    gemini(
        "err429",
        said("Which sea areas border the Bay of Biscay?"),
        Failure(
            429,
            "rate_limit",
            "Resource has been exhausted (e.g. check quota).",
        ),
    ),
    gemini(
        "err500",
        said("Explain the Coriolis effect on ocean currents."),
        Failure(500, "server", "Internal error encountered."),
    ),
    gemini(
        "err503",
        said("Name the lighthouses of the Iroise Sea."),
        Failure(503, "unavailable", "The service is temporarily overloaded. Please try again later."),
    ),
]

SCENARIOS: list[Scenario] = [
    *CHAT_SCENARIOS,
    *RESPONSES_SCENARIOS,
    *IMAGE_SCENARIOS,
    *ANTHROPIC_SCENARIOS,
    *GEMINI_SCENARIOS,
]
