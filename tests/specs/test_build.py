"""specs/*.json are exactly what specs/build.py derives from the pinned references and our overlays.

A difference means someone edited a generated file, changed an overlay without rebuilding, or the
reference files moved; `python specs/build.py --check` prints the diff.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import REFERENCE_DIR, SPECS_DIR, needs_reference

SPEC_FILES = sorted(SPECS_DIR.glob("*.json"))
OUR_EXTENSIONS = {"x-gateway-extension"}


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("specs_build", SPECS_DIR / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


@pytest.fixture(scope="module")
def derived() -> dict[str, str]:
    return build.build_all(REFERENCE_DIR)


@needs_reference
def test_committed_specs_match_a_fresh_build(derived: dict[str, str]) -> None:
    committed = {path.stem: path.read_text() for path in SPEC_FILES}
    assert sorted(committed) == sorted(derived)
    stale = [name for name in derived if committed[name] != derived[name]]
    assert not stale, "\n".join(build.short_diff(f"{n}.json", committed[n], derived[n]) for n in stale)


@needs_reference
def test_check_mode_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--check", "--reference", str(REFERENCE_DIR)]) == 0
    assert capsys.readouterr().out == ""


@needs_reference
def test_build_is_deterministic(derived: dict[str, str]) -> None:
    assert build.build_all(REFERENCE_DIR) == derived


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_no_provider_prose_or_doc_extensions(path: Path) -> None:
    doc = json.loads(path.read_text())
    for node in build.iter_document_schemas(doc):
        assert not set(node) & build.ANNOTATIONS, node
        assert {k for k in node if k.startswith("x-")} <= OUR_EXTENSIONS, node
    descriptions = {
        r.get("description")
        for item in doc["paths"].values()
        for op in item.values()
        for r in op["responses"].values()
    }
    assert descriptions <= {"OK", None}
    assert set(doc["info"]) == {"title", "version", "x-upstream"}


def test_nullable_becomes_a_type_union() -> None:
    assert build.normalise_schema({"type": "string", "enum": ["a"], "nullable": True}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }
    assert build.normalise_schema({"$ref": "#/x", "nullable": True}) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "null"}]
    }


def test_property_names_are_not_mistaken_for_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {"description": {"type": "string"}, "nullable": {"type": "boolean"}},
    }
    assert build.normalise_schema(schema) == schema


def test_boolean_exclusive_minimum_and_recursive_ref() -> None:
    schema = {
        "$recursiveAnchor": True,
        "properties": {
            "n": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "next": {"$recursiveRef": "#"},
        },
        "required": ["n", "n"],
    }
    assert build.normalise_schema(schema, "#/components/schemas/Node") == {
        "properties": {
            "n": {"type": "number", "exclusiveMinimum": 0},
            "next": {"$ref": "#/components/schemas/Node"},
        },
        "required": ["n"],
    }


def test_proto3_json_accepts_what_googles_parser_accepts() -> None:
    schemas = {"Blob": {"type": "object", "properties": {"data": {"type": "string", "format": "byte"}}}}
    build.proto3_json(schemas)
    assert schemas["Blob"]["properties"]["data"] == {
        "type": ["string", "null"],
        "pattern": build.BASE64_EITHER_ALPHABET,
    }
