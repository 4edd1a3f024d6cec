"""The pytest plugin of the conformance harness (registered as the ``conformance`` entry point).

It stays inert in any pytest run that does not ask for it: it only adds its options.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "gateway conformance harness")
    group.addoption("--target", default=None, help="Base URL of the gateway to certify (default: in-process).")
    group.addoption("--key", default=None, help="API key for the target gateway.")
    group.addoption("--profile", default=None, help="Target profile YAML (surfaces, models, auth styles).")
