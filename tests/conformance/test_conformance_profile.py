"""Target profiles: what a gateway claims, read strictly, so a typo never becomes a silent claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profile import PROFILES_DIR, ProfileError, load_profile, parse_profile
from conformance.surfaces import SURFACES, surface


def test_this_gateways_profile_claims_every_surface_and_style() -> None:
    profile = load_profile()
    assert profile.claimed == {s.id for s in SURFACES}
    assert all(
        profile.auth_styles(f) == ("bearer", "x-api-key", "x-goog-api-key", "query") for f in profile.auth
    )
    assert profile.deterministic and profile.replay
    assert profile.model("anthropic", "tools") == "anthropic/claude-haiku-4-5"


def test_litellms_profile_claims_what_litellm_documents() -> None:
    profile = load_profile(PROFILES_DIR / "litellm.yaml")
    assert not profile.claims(surface("anthropic.models"))
    assert not profile.claims(surface("gemini.v1.generate"))
    assert profile.claims(surface("gemini.v1beta.stream"))
    assert profile.max_body_bytes is None and not profile.replay


def test_gemini_surfaces_are_claimed_per_version() -> None:
    profile = parse_profile(
        {"surfaces": {"gemini": {"versions": ["v1"], "surfaces": ["generate", "models"]}}}
    )
    assert profile.claimed == {"gemini.v1.generate", "gemini.v1.models"}


def test_the_native_auth_style_is_preferred_and_a_list_applies_to_every_family() -> None:
    profile = parse_profile({"auth": ["query", "bearer", "x-api-key"]})
    assert profile.auth_style("openai") == "bearer"
    assert profile.auth_style("anthropic") == "x-api-key"
    assert profile.auth_style("gemini") == "query"  # x-goog-api-key is not accepted: the first listed
    assert parse_profile({"auth": {"openai": ["bearer"]}}).auth_style("gemini") is None


def test_a_missing_capability_reads_as_none() -> None:
    profile = parse_profile({"models": {"openai": {"text": "m"}}})
    assert profile.model("openai", "text") == "m"
    assert profile.model("openai", "thinking") is None
    assert profile.model("gemini", "text") is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"surfacez": {}}, "unknown keys ['surfacez']"),
        ({"surfaces": {"openai": ["chats"]}}, "surfaces.openai: unknown ['chats']"),
        ({"surfaces": {"gemini": ["generate"]}}, "surfaces.gemini is {versions"),
        ({"surfaces": {"gemini": {"versions": ["v2"], "surfaces": []}}}, "versions: unknown ['v2']"),
        ({"models": {"openai": {"vison": "m"}}}, "models.openai: unknown ['vison']"),
        ({"auth": ["basic"]}, "auth.openai: unknown ['basic']"),
        ({"max_body_bytes": "32MB"}, "max_body_bytes: expected a positive integer"),
        (["openai"], "a profile is a mapping"),
    ],
)
def test_a_wrong_profile_says_where(raw: object, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        parse_profile(raw, "p.yaml")
    assert message in str(raised.value) and str(raised.value).startswith("p.yaml")


def test_an_unreadable_profile_names_its_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: a: b\n")
    with pytest.raises(ProfileError, match=r"broken\.yaml"):
        load_profile(broken)
