"""vcrpy's cassette format, read in every form real recordings take and written the one way we write.

vcrpy itself replays plain-string and ``!!binary`` gzip bodies, but not pydantic-ai's
``parsed_body`` mapping (its ``Request`` refuses the keyword) nor a lower-case method (its method
matcher compares exact strings). ``SERIALIZER`` is a vcrpy serializer that undoes both on load, so
``vcr.VCR(...).register_serializer("gateway", SERIALIZER)`` (or ``serializer=`` on a ``Cassette``)
replays every recording in ``../shared/upstream-recordings`` with vcrpy's own machinery.

Writing goes through vcrpy's own ``serialize`` as well, so a cassette we write is one vcrpy reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from vcr.cassette import Cassette
from vcr.persisters.filesystem import FilesystemPersister
from vcr.record_mode import RecordMode
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

__all__ = ["SERIALIZER", "GatewaySerializer", "load_cassette", "write_cassette"]


def _undo_parsed_body(side: dict[str, Any], *, response: bool) -> None:
    """pydantic-ai stores a decoded JSON body as ``parsed_body``; vcrpy wants the JSON text."""
    if "parsed_body" not in side:
        return
    parsed = side.pop("parsed_body")
    text = parsed if isinstance(parsed, str) else json.dumps(parsed)
    side["body"] = {"string": text} if response else text


class GatewaySerializer:
    """A vcrpy serializer (``serialize``/``deserialize`` static methods) over vcrpy's safe YAML."""

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        data = yamlserializer.deserialize(cassette_string) or {}
        for interaction in data.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            _undo_parsed_body(request, response=False)
            _undo_parsed_body(response, response=True)
            request["method"] = str(request.get("method", "GET")).upper()
            request.setdefault("headers", {})
            request.setdefault("body", None)
        return data

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        return yaml.dump(cassette_dict, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Readable cassettes: multi-line text as literal blocks, bytes as ``!!binary``."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t\x0b\x0c") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)

SERIALIZER = GatewaySerializer()


def load_cassette(path: str | Path, matcher: Any) -> Cassette:
    """A vcrpy ``Cassette`` in record mode ``none``, matched by ``matcher``; each recorded answer
    plays once (``gateway.cassettes.replay`` decides what a repeated request gets)."""
    return Cassette.load(
        path=str(path),
        serializer=SERIALIZER,
        persister=FilesystemPersister,
        record_mode=RecordMode.NONE,
        match_on=(matcher,),
    )


def write_cassette(path: str | Path, interactions: list[tuple[VcrRequest, dict[str, Any]]]) -> None:
    """Write interactions (vcrpy request, vcrpy response dict) as a vcrpy cassette file."""
    text = serialize(
        {"requests": [r for r, _ in interactions], "responses": [r for _, r in interactions]}, SERIALIZER
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
