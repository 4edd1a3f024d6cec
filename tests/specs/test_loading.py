"""Loading: where the documents are found, that they are loaded once, and what is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway import resources
from gateway.specs import SpecSet, load_specs

from .conftest import SPECS_DIR


def test_default_directory_is_the_repositorys_specs() -> None:
    assert resources.resource_dir("specs") == SPECS_DIR
    assert load_specs() is load_specs(SPECS_DIR)


def test_bundled_copy_wins_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "gateway"
    (package / "_bundled" / "specs").mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    assert resources.resource_dir("specs") == package / "_bundled" / "specs"
    assert resources.resource_dir("cassettes") == tmp_path / "cassettes"


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no OpenAPI documents"):
        load_specs(tmp_path)


def test_operation_ids_must_be_unique_across_documents() -> None:
    doc = json.loads((SPECS_DIR / "openai-models.json").read_text())
    with pytest.raises(ValueError, match=r"openai\.listModels"):
        SpecSet({"a": doc, "b": doc})


def test_unknown_operation_is_named(specs: SpecSet) -> None:
    with pytest.raises(KeyError, match=r"openai\.nope"):
        specs.validate_request_body("openai.nope", {})
