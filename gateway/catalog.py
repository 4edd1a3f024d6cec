"""The model catalog: which model ids the gateway serves, where each goes, and what it costs.

A YAML file lists providers (an upstream protocol, a base URL, where its key comes from) and models
(an id ``provider/name`` with aliases, the upstream model name, prices, limits). Prices are written
as decimal strings in USD per million tokens, the way providers publish them, and held as integer
micro-USD per million tokens so that no float ever touches money.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.errors import ErrorKind, GatewayError, invalid
from gateway.money import parse_usd

# Upstream kinds: the wire protocol a provider speaks, or "mock" for the built-in mock provider.
PROVIDER_KINDS = ("openai_chat", "openai_responses", "anthropic", "gemini", "openai_images", "mock")


@dataclass(frozen=True, slots=True)
class Prices:
    """Micro-USD per million tokens (per image for ``image``): $2.50/M is 2_500_000."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    image: int = 0


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    name: str
    kind: str
    base_url: str = ""
    api_key_env: str | None = None
    timeout: float = 600.0
    headers: dict[str, str] = field(default_factory=dict)

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None


@dataclass(frozen=True, slots=True)
class ModelEntry:
    id: str
    provider: str
    upstream_model: str
    aliases: tuple[str, ...] = ()
    prices: Prices = Prices()
    context_window: int = 128_000
    max_output_tokens: int = 8_192
    kind: str = "chat"  # chat | image
    created: int = 1_700_000_000
    owned_by: str = ""
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    providers: dict[str, ProviderConfig]
    models: tuple[ModelEntry, ...]
    _index: dict[str, ModelEntry] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        for model in self.models:
            for name in (model.id, *model.aliases):
                if name in self._index:
                    raise ValueError(f"model id or alias {name!r} is listed twice in the catalog")
                self._index[name] = model
            if model.provider not in self.providers:
                raise ValueError(f"model {model.id!r} names unknown provider {model.provider!r}")

    def resolve(self, name: str | None) -> ModelEntry:
        """The entry for a client's model name; a 404 in the client's protocol when unknown, a 400
        when the request names none (the Responses and images schemas leave ``model`` optional)."""
        if not name:
            raise invalid("The request names no model: set `model` to one listed by GET /v1/models.", "model")
        entry = self._index.get(name)
        if entry is None and name.startswith("models/"):
            entry = self._index.get(name.removeprefix("models/"))
        if entry is None:
            raise GatewayError(
                ErrorKind.NOT_FOUND,
                f"The model `{name}` does not exist or is not served by this gateway.",
                param="model",
                code="model_not_found",
            )
        return entry

    def provider_of(self, entry: ModelEntry) -> ProviderConfig:
        return self.providers[entry.provider]


def _prices(raw: dict[str, Any] | None) -> Prices:
    raw = raw or {}
    unknown = set(raw) - set(Prices.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown price fields {sorted(unknown)}")
    return Prices(**{name: parse_usd(str(value)) for name, value in raw.items()})


def _provider(name: str, raw: dict[str, Any]) -> ProviderConfig:
    kind = raw.get("kind")
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"provider {name!r}: kind must be one of {PROVIDER_KINDS}, not {kind!r}")
    return ProviderConfig(
        name=name,
        kind=kind,
        base_url=str(raw.get("base_url", "")).rstrip("/"),
        api_key_env=raw.get("api_key_env"),
        timeout=float(raw.get("timeout", 600.0)),
        headers=dict(raw.get("headers") or {}),
    )


def _model(raw: dict[str, Any]) -> ModelEntry:
    model_id = raw["id"]
    provider = raw.get("provider") or model_id.split("/", 1)[0]
    return ModelEntry(
        id=model_id,
        provider=provider,
        upstream_model=raw.get("upstream_model") or model_id.split("/", 1)[-1],
        aliases=tuple(raw.get("aliases") or ()),
        prices=_prices(raw.get("prices")),
        context_window=int(raw.get("context_window", 128_000)),
        max_output_tokens=int(raw.get("max_output_tokens", 8_192)),
        kind=raw.get("kind", "chat"),
        created=int(raw.get("created", 1_700_000_000)),
        owned_by=raw.get("owned_by") or model_id.split("/", 1)[0],
        display_name=raw.get("display_name") or model_id.split("/", 1)[-1],
    )


def catalog_from_dict(raw: dict[str, Any]) -> Catalog:
    providers = {name: _provider(name, spec or {}) for name, spec in (raw.get("providers") or {}).items()}
    return Catalog(providers, tuple(_model(item) for item in raw.get("models") or ()))


def load_catalog(path: str | Path) -> Catalog:
    return catalog_from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
