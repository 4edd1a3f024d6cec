"""The mock's whole answer to one request, before it is returned or streamed.

Both ``complete`` and ``stream`` start here, so a stream folds to exactly the Response that
``complete`` returns: same content, ids, usage and stop reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.canonical import Part, Request, Response, Thinking, Usage
from gateway.catalog import ModelEntry
from gateway.providers.mock.default_content import default_content
from gateway.providers.mock.ids import created_at, request_digests, response_id
from gateway.providers.mock.limits import apply_limits
from gateway.providers.mock.matching import find_scenario
from gateway.providers.mock.scenarios import Pacing, Scenario, ScriptedError
from gateway.providers.mock.scripted_content import scripted_content
from gateway.tokens import count_part, count_text, estimate_request


@dataclass(frozen=True, slots=True)
class Answer:
    """A response, how to stream it, and a scripted failure that ends it midway (if any)."""

    response: Response
    pacing: Pacing = field(default_factory=Pacing)
    failure: ScriptedError | None = None


def answer_for(request: Request, model: ModelEntry, scenarios: Sequence[Scenario]) -> Answer:
    """The answer to ``request``. A scripted error that strikes at once is raised here."""
    digest, seed = request_digests(request)
    found = find_scenario(scenarios, request, model)
    if found is None:
        return Answer(_response(request, digest, default_content(request, seed)))
    scenario, variables = found
    reply = scenario.reply
    if reply.error is not None and reply.error.after_events is None:
        raise reply.error.exception()
    if reply.has_content:
        blocks = scripted_content(reply, variables, request, seed)
    else:
        blocks = default_content(request, seed)
    response = _response(request, digest, blocks)
    if reply.stop_reason is not None:
        response.stop_reason = reply.stop_reason
    response.usage = dataclasses.replace(response.usage, **reply.usage)
    return Answer(response, reply.pacing, reply.error)


def _response(request: Request, digest: bytes, blocks: list[Part]) -> Response:
    limited = apply_limits(blocks, request)
    return Response(
        id=response_id(digest),
        model=request.model,
        content=limited.content,
        stop_reason=limited.stop_reason,
        stop_sequence=limited.stop_sequence,
        usage=_usage(request, limited.content),
        created=created_at(digest),
    )


def _usage(request: Request, content: list[Part]) -> Usage:
    return Usage(
        input_tokens=estimate_request(request),
        output_tokens=sum(map(count_part, content)),
        reasoning_tokens=sum(count_text(part.text) for part in content if isinstance(part, Thinking)),
    )
