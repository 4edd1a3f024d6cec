"""The pytest plugin of the conformance harness (registered as the ``conformance`` entry point).

Thin glue, as pytest-httpserver's plugin is beside its server: options, the markers of the check
families, fixtures that hand a test the target and a recorder, and the hooks that turn each
test's result into a cell of the certificate. It stays inert in a pytest run that does not ask
for it: the fixtures cost nothing until a test requests them, the hooks ignore any test without a
check-family marker, and nothing is written unless ``--report`` is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance.evidence import Recorder
    from conformance.http import Target
    from conformance.profile import Profile

# The check families (kept here as names only, so that registering markers imports nothing).
FAMILY_MARKERS = ("schema", "streaming", "semantics", "errors", "clients", "replay")

OUTCOME = pytest.StashKey["Outcome"]()
RECORDER = pytest.StashKey["Recorder"]()
NOT_CLAIMED = pytest.StashKey[str]()
SESSION_TARGET = pytest.StashKey["Target"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "gateway conformance harness")
    group.addoption(
        "--target", default=None, help="Base URL of the gateway to certify (default: in-process)."
    )
    group.addoption("--key", default=None, help="API key for the target gateway.")
    group.addoption("--profile", default=None, help="Target profile YAML (surfaces, models, auth styles).")
    group.addoption(
        "--report",
        dest="conformance_report",
        default=None,
        help="Write the certificate (JSON, Markdown, HTML) here.",
    )
    group.addoption(
        "--examples",
        dest="conformance_examples",
        type=int,
        default=None,
        help="Schema family: generated requests per operation and mode (default: the suite's own bound).",
    )
    group.addoption(
        "--replay-dir",
        dest="conformance_replay_dir",
        default=None,
        help="Replay family: a directory holding cassettes/ and fixtures/ (default: this project's).",
    )


def pytest_configure(config: pytest.Config) -> None:
    for family in FAMILY_MARKERS:
        config.addinivalue_line("markers", f"{family}: conformance check family '{family}'")


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_profile(pytestconfig: pytest.Config) -> Profile:
    """The target's profile: ``--profile``, or this project's gateway's."""
    from conformance.profile import load_profile

    return load_profile(pytestconfig.getoption("profile"))


@pytest.fixture(scope="session")
def conformance_target(pytestconfig: pytest.Config, conformance_profile: Profile) -> Iterator[Target]:
    """The gateway under test: ``--target``/``--key``, or this project's gateway served in-process."""
    from contextlib import ExitStack

    from conformance.http import Target
    from conformance.local import serve_gateway

    url, key = pytestconfig.getoption("target"), pytestconfig.getoption("key")
    with ExitStack() as stack:
        in_process = url is None
        if in_process:
            url, key = stack.enter_context(serve_gateway())
        elif not key:
            raise pytest.UsageError("--target needs --key (the API key the target accepts)")
        target = Target(url, key, conformance_profile, in_process)
        stack.callback(target.close)
        pytestconfig.stash[SESSION_TARGET] = target
        yield target


@pytest.fixture
def recorder(request: pytest.FixtureRequest, conformance_target: Target) -> Recorder:
    """Sends to the target and keeps the evidence; the rules it is told of fail the test."""
    from conformance.evidence import Recorder

    kept = Recorder(conformance_target)
    request.node.stash[RECORDER] = kept
    return kept


def not_claimed(request: pytest.FixtureRequest, reason: str) -> None:
    """Skip a test whose subject the profile does not claim; the certificate says "not claimed"."""
    request.node.stash[NOT_CLAIMED] = reason
    pytest.skip(f"not claimed: {reason}")


# --- results ----------------------------------------------------------------------------------------


def _family(item: pytest.Item) -> str | None:
    return next((m.name for m in item.iter_markers() if m.name in FAMILY_MARKERS), None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    family = _family(item)
    if family is None:
        return
    report: pytest.TestReport = outcome.get_result()
    kept = item.stash.get(RECORDER, None)
    if report.when == "call" and report.passed and kept is not None and kept.failures:
        report.outcome = "failed"
        report.longrepr = "broken rules:\n" + "\n".join(f"  {failure}" for failure in kept.failures)
    _record(item, family, report, call, kept)


def _record(
    item: pytest.Item,
    family: str,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    kept: Recorder | None,
) -> None:
    from conformance.certificate import NO_SURFACE, Outcome
    from conformance.evidence import Failure

    result = item.stash.get(OUTCOME, None)
    if result is None:
        params = getattr(item, "callspec", None)
        surface = params.params.get("surface") if params else None
        result = Outcome(item.name, family, getattr(surface, "id", NO_SURFACE))
        item.stash[OUTCOME] = result
    result.seconds += report.duration
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        claim = item.stash.get(NOT_CLAIMED, None)
        result.status = "not-claimed" if claim else "skipped"
        result.reason = claim or reason.removeprefix("Skipped: ")
    elif report.failed:
        result.status = "failed"
        if kept is not None and report.when == "call":
            result.failures.extend(kept.failures)
        if call.excinfo is not None and not (kept and kept.failures and report.when == "call"):
            last = kept.last if kept is not None else None
            message = f"{call.excinfo.typename}: {call.excinfo.value}"
            result.failures.append(Failure(f"{family}.harness_{report.when}", message, "", last))
    if report.when == "call" and kept is not None:
        result.notes.extend(kept.notes)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the certificate of the outcomes seen, when ``--report`` asks for one."""
    directory = session.config.getoption("conformance_report")
    if not directory:
        return
    from conformance.certificate import Certificate

    started = session.config.stash.get(SESSION_TARGET, None)
    if started is not None:
        profile, url, secret = started.profile, started.url, started.key
    else:  # no test reached the target (everything skipped or not claimed)
        from conformance.profile import load_profile

        profile = load_profile(session.config.getoption("profile"))
        url = session.config.getoption("target") or "(this project's gateway, not started)"
        secret = session.config.getoption("key") or ""
    certificate = Certificate(url, profile, in_process=bool(started and started.in_process))
    for item in session.items:
        result = item.stash.get(OUTCOME, None)
        if result is not None:
            certificate.add(result)
    for path in certificate.write(Path(directory), secret):
        session.config.get_terminal_writer().line(f"conformance: wrote {path}")
