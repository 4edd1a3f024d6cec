"""Suite-wide: tests run family by family in the certificate's order, and a test whose surface the
profile does not claim is reported as not claimed."""

from __future__ import annotations

import pytest

from conformance.plugin import FAMILY_MARKERS, not_claimed
from conformance.profile import Profile


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Families in matrix order, schema first: what schemathesis generates may depend on which of
    the project's modules are already imported (hypothesis draws constants from them), so the
    schema family always runs before anything else loads more of them, and a certificate of one
    family equals that family's part of a full run."""

    def rank(item: pytest.Item) -> int:
        names = {marker.name for marker in item.iter_markers()}
        return next((i for i, family in enumerate(FAMILY_MARKERS) if family in names), len(FAMILY_MARKERS))

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _surface_claimed(request: pytest.FixtureRequest, conformance_profile: Profile) -> None:
    params = getattr(request.node, "callspec", None)
    surface = params.params.get("surface") if params else None
    if surface is not None and not conformance_profile.claims(surface):
        not_claimed(request, f"the profile does not claim {surface.id}")
