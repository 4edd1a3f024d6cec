"""The gateway's configuration: one object, read from the environment and overridden by the CLI.

Everything that varies between a laptop, a user's CI and production is here and nowhere else.
The embedded defaults make a working deterministic mock: the catalog's models all answered by the
mock provider, an in-memory ledger and a demo key with a balance. ``upstream`` chooses who answers:
``mock`` (the built-in mock provider, optionally scripted), ``live`` (each model's real provider,
keys from the environment) or ``replay`` (the real providers' code path, served from cassettes).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_CATALOG = Path(__file__).parent / "defaults" / "catalog.yaml"
DEMO_KEY = "gw-demo-key"
DEFAULT_LEDGER_URL = "sqlite:///gateway-ledger.sqlite3"  # in the working directory
DEMO_BALANCE_MICROS = 100_000_000  # $100 for the demo account
UPSTREAM_MODES = ("mock", "live", "replay")


@dataclass(frozen=True, slots=True)
class Settings:
    catalog_path: Path = DEFAULT_CATALOG
    upstream: str = "mock"
    scenario_path: Path | None = None
    ledger_url: str = DEFAULT_LEDGER_URL
    demo_key: str | None = DEMO_KEY
    demo_balance_micros: int = DEMO_BALANCE_MICROS
    admin_token: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    replay_dir: Path | None = None
    specs_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.upstream not in UPSTREAM_MODES:
            raise ValueError(f"upstream must be one of {UPSTREAM_MODES}, not {self.upstream!r}")
        if self.upstream == "replay" and self.replay_dir is None:
            raise ValueError("upstream 'replay' needs replay_dir (the cassettes to answer from)")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


# Environment variable -> (field, parser). The CLI maps its options onto the same fields.
_ENV: dict[str, tuple[str, Any]] = {
    "GATEWAY_CATALOG": ("catalog_path", Path),
    "GATEWAY_UPSTREAM": ("upstream", str),
    "GATEWAY_SCENARIOS": ("scenario_path", Path),
    "GATEWAY_LEDGER_URL": ("ledger_url", str),
    "GATEWAY_DEMO_KEY": ("demo_key", lambda v: v or None),
    "GATEWAY_ADMIN_TOKEN": ("admin_token", str),
    "GATEWAY_MAX_BODY_BYTES": ("max_body_bytes", int),
    "GATEWAY_REPLAY_DIR": ("replay_dir", Path),
    "GATEWAY_SPECS_DIR": ("specs_dir", Path),
}


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``GATEWAY_*`` variables, then explicit overrides (None means "not given")."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for variable, (name, parse) in _ENV.items():
        if variable in environ:
            values[name] = parse(environ[variable])
    known = {f.name for f in fields(Settings)}
    values.update({k: v for k, v in overrides.items() if v is not None and k in known})
    return Settings(**values)
