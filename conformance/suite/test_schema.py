"""Schema: requests generated from ``specs/`` by schemathesis, for every operation of every surface.

Positive: valid requests get answers the spec allows (a declared status, a valid body, valid SSE
events) and never a 5xx. Negative: requests whose body breaks the spec get a 4xx in the protocol's
error shape. The number of requests per operation and mode is bounded (``--examples``) and the
same on every run, so that a certificate can be reproduced. A rule broken by many generated
requests is reported once, with the first request that broke it and how many others did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from conformance.checks import Finding
from conformance.checks.spec import check_invalid_refused, check_spec_answer
from conformance.evidence import Recorder
from conformance.fuzzing import generated_requests
from conformance.profile import Profile
from conformance.scenarios import surface_headers
from conformance.suite.helpers import model_for, surfaces_where
from conformance.surfaces import Surface
from gateway.specs import load_specs

pytestmark = pytest.mark.schema

EXAMPLES = 6  # per operation and mode: the whole family in ~15 s on this project's gateway


@pytest.fixture
def examples(pytestconfig: pytest.Config) -> int:
    return pytestconfig.getoption("conformance_examples") or EXAMPLES


@pytest.mark.parametrize("surface", surfaces_where())
def test_valid_requests_get_valid_answers(
    recorder: Recorder, conformance_profile: Profile, surface: Surface, examples: int
) -> None:
    specs = load_specs()
    model = model_for(conformance_profile, surface.family, "images" if surface.kind == "images" else "text")
    seen: Counter[str] = Counter()
    sent = accepted = 0
    for operation_id in surface.operations:
        operation = specs.operation(operation_id)
        for request in generated_requests(operation, False, examples, model, surface_headers(surface)):
            reply = recorder.send(request, surface.family)
            sent += 1
            accepted += 200 <= reply.status < 300
            findings = check_spec_answer(
                specs, operation_id, surface.protocol, reply.status, reply.headers, reply.body
            )
            _keep_first(recorder, seen, findings)
    _count_repeats(recorder, seen, sent)
    if sent and not accepted:
        recorder.note(
            f"{surface.protocol}.schema.some_accepted",
            f"none of the {sent} valid generated requests was accepted (all refused with a 4xx)",
        )


@pytest.mark.parametrize("surface", surfaces_where("generate", "stream", "count_tokens", "images"))
def test_invalid_requests_are_refused(
    recorder: Recorder, conformance_profile: Profile, surface: Surface, examples: int
) -> None:
    specs = load_specs()
    model = conformance_profile.model(surface.family, "images" if surface.kind == "images" else "text")
    seen: Counter[str] = Counter()
    sent = 0
    for operation_id in surface.operations:
        operation = specs.operation(operation_id)
        for request in generated_requests(operation, True, examples, model, surface_headers(surface)):
            reply = recorder.send(request, surface.family)
            sent += 1
            _keep_first(
                recorder,
                seen,
                check_invalid_refused(surface.protocol, reply.status, reply.headers, reply.body),
            )
    _count_repeats(recorder, seen, sent)


def _keep_first(recorder: Recorder, seen: Counter[str], findings: list[Finding]) -> None:
    """Record a rule's first breach with its evidence; later ones are only counted."""
    recorder.check([finding for finding in findings if not seen[finding.rule]])
    seen.update({finding.rule for finding in findings})


def _count_repeats(recorder: Recorder, seen: Counter[str], sent: int) -> None:
    for index, failure in enumerate(recorder.failures):
        more = seen[failure.rule] - 1
        if more > 0:
            message = f"{failure.message} [{more} more of the {sent} generated requests broke this rule]"
            recorder.failures[index] = replace(failure, message=message)
