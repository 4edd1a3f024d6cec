"""A target profile: what a gateway claims, and what to ask it with.

The suite certifies claims, not wishes: a surface the profile does not claim is reported as "not
claimed" (never as passed), an auth style it does not list is not tried, and a capability with no
model named for it is skipped with that reason. The model ids are the target's own names (a
gateway may call Claude ``claude-haiku-4-5`` or ``anthropic/claude-haiku-4-5``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.surfaces import FAMILIES, GEMINI_VERSIONS, SURFACES, Surface

__all__ = ["AUTH_STYLES", "CAPABILITIES", "PROFILES_DIR", "Profile", "ProfileError", "load_profile"]

PROFILES_DIR = Path(__file__).parent / "profiles"
AUTH_STYLES = ("bearer", "x-api-key", "x-goog-api-key", "query")
CAPABILITIES = ("text", "tools", "vision", "thinking", "images")
# The style each family's own SDK sends, preferred when the profile accepts it.
NATIVE_AUTH = {"openai": "bearer", "anthropic": "x-api-key", "gemini": "x-goog-api-key"}


class ProfileError(ValueError):
    """A profile that cannot be read; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    name: str
    claimed: frozenset[str]
    models: Mapping[str, Mapping[str, str]]
    auth: Mapping[str, tuple[str, ...]]
    deterministic: bool = False
    replay: bool = False
    max_body_bytes: int | None = None
    source: str = field(default="", compare=False)

    def claims(self, surface: Surface) -> bool:
        return surface.id in self.claimed

    def model(self, family: str, capability: str) -> str | None:
        """The target's model id for a capability of a provider family, or None if none is named."""
        return self.models.get(family, {}).get(capability)

    def auth_styles(self, family: str) -> tuple[str, ...]:
        return self.auth.get(family, ())

    def auth_style(self, family: str) -> str | None:
        """The style to send by default: the family's native one if accepted, else the first listed."""
        styles = self.auth_styles(family)
        native = NATIVE_AUTH[family]
        return native if native in styles else next(iter(styles), None)

    def summary(self) -> dict[str, Any]:
        """What the certificate records about the profile (never a key: profiles hold none)."""
        return {
            "name": self.name,
            "source": self.source,
            "claimed": sorted(self.claimed),
            "models": {family: dict(models) for family, models in self.models.items()},
            "auth": {family: list(styles) for family, styles in self.auth.items()},
            "deterministic": self.deterministic,
            "replay": self.replay,
            "max_body_bytes": self.max_body_bytes,
        }


def load_profile(path: Path | str | None = None) -> Profile:
    """Read a profile YAML; None is this project's gateway (``profiles/gateway.yaml``)."""
    path = Path(path) if path is not None else PROFILES_DIR / "gateway.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(raw, str(path))


def parse_profile(raw: Any, source: str = "<profile>") -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: a profile is a mapping")
    unknown = set(raw) - {"name", "surfaces", "models", "auth", "deterministic", "replay", "max_body_bytes"}
    if unknown:
        raise ProfileError(f"{source}: unknown keys {sorted(unknown)}")
    return Profile(
        name=str(raw.get("name") or Path(source).stem),
        claimed=_claimed(raw.get("surfaces") or {}, source),
        models=_models(raw.get("models") or {}, source),
        auth=_auth(raw.get("auth") or [], source),
        deterministic=bool(raw.get("deterministic", False)),
        replay=bool(raw.get("replay", False)),
        max_body_bytes=_optional_int(raw.get("max_body_bytes"), f"{source}: max_body_bytes"),
        source=source,
    )


def _claimed(raw: Any, source: str) -> frozenset[str]:
    """``{openai: [chat, ...], anthropic: [...], gemini: {versions: [...], surfaces: [...]}}``."""
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: surfaces is a mapping of family to surface names")
    _known(raw, FAMILIES, f"{source}: surfaces")
    claimed: set[str] = set()
    for family, names in raw.items():
        versions: tuple[str | None, ...] = (None,)
        if family == "gemini":
            if not isinstance(names, dict):
                raise ProfileError(f"{source}: surfaces.gemini is {{versions: [...], surfaces: [...]}}")
            versions = tuple(
                _names(names.get("versions"), GEMINI_VERSIONS, f"{source}: surfaces.gemini.versions")
            )
            names = names.get("surfaces")
        offered = {s.name for s in SURFACES if s.family == family}
        for name in _names(names, tuple(sorted(offered)), f"{source}: surfaces.{family}"):
            claimed.update(
                s.id for s in SURFACES if s.family == family and s.name == name and s.version in versions
            )
    return frozenset(claimed)


def _models(raw: Any, source: str) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: models is a mapping of family to {{capability: model id}}")
    _known(raw, FAMILIES, f"{source}: models")
    models = {}
    for family, by_capability in raw.items():
        if not isinstance(by_capability, dict):
            raise ProfileError(f"{source}: models.{family} is a mapping of capability to model id")
        _known(by_capability, CAPABILITIES, f"{source}: models.{family}")
        models[family] = {capability: str(model) for capability, model in by_capability.items()}
    return models


def _auth(raw: Any, source: str) -> dict[str, tuple[str, ...]]:
    """A list of styles accepted on every family, or a mapping of family to its list."""
    if isinstance(raw, list):
        raw = dict.fromkeys(FAMILIES, raw)
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: auth is a list of styles or a mapping of family to styles")
    _known(raw, FAMILIES, f"{source}: auth")
    return {
        family: tuple(_names(styles, AUTH_STYLES, f"{source}: auth.{family}"))
        for family, styles in raw.items()
    }


def _names(raw: Any, allowed: tuple[str, ...], where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise ProfileError(f"{where}: expected a list of names from {list(allowed)}")
    unknown = [name for name in raw if name not in allowed]
    if unknown:
        raise ProfileError(f"{where}: unknown {unknown}; expected names from {list(allowed)}")
    return raw


def _known(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ProfileError(f"{where}: unknown {unknown}; expected keys from {list(allowed)}")


def _optional_int(raw: Any, where: str) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        raise ProfileError(f"{where}: expected a positive integer, got {raw!r}")
    return raw
