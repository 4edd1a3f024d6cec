from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.canonical import Message, Request, Text
from gateway.catalog import ModelEntry
from gateway.providers.mock import MockProvider


@pytest.fixture
def model() -> ModelEntry:
    return ModelEntry(id="mock/echo", provider="mock", upstream_model="echo", aliases=("echo",))


@pytest.fixture
def provider() -> MockProvider:
    return MockProvider()


@pytest.fixture
def scenario_dir() -> Path:
    return Path(__file__).parent / "scenarios"


@pytest.fixture
def scripted(scenario_dir: Path) -> MockProvider:
    """A provider scripted with scenarios/features.yaml."""
    return MockProvider.from_file(scenario_dir / "features.yaml")


@pytest.fixture
def ask() -> Callable[..., Request]:
    """Builds a one-message request: ``ask("Hello", max_tokens=5)``."""

    def build(text: str = "Hello there", **fields: Any) -> Request:
        return Request(model="mock/echo", messages=[Message("user", [Text(text)])], **fields)

    return build
