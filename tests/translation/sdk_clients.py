"""The official SDKs, pointed at a gateway: what real clients of each protocol run."""

from __future__ import annotations

import anthropic
import openai
from google import genai
from google.genai import types
from translation.dialects import CLIENT_KEY


def openai_client(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=CLIENT_KEY, base_url=f"{gateway}/v1", max_retries=0, timeout=10.0)


def anthropic_client(gateway: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=CLIENT_KEY, base_url=gateway, max_retries=0, timeout=10.0)


def genai_client(gateway: str) -> genai.Client:
    options = types.HttpOptions(base_url=gateway, api_version="v1beta", timeout=10_000)
    return genai.Client(api_key=CLIENT_KEY, http_options=options)
