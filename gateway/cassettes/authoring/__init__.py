"""The project's own cassettes, authored: what each provider would answer, written in its own wire form.

There is no network where the project is built, so ``cassettes/`` cannot be recorded from the real
providers. Instead each scenario states a request (in its provider's protocol) and an answer (text,
thinking, tool calls, stop reason, usage; or an error), and a per-provider *wire writer* renders
that answer exactly as the provider sends it: the field set, event order, JSON formatting, headers
and gzip of the real recordings in ``../shared/upstream-recordings`` (``tests/cassettes`` holds
every cassette against them). The answer is then recorded through the gateway with
``gateway.cassettes.record`` against an in-process upstream serving those bytes, so a cassette's
request is exactly what the gateway sends and its secrets went through the same scrubber as a real
recording's. Run ``python -m gateway.cassettes.authoring`` to regenerate ``cassettes/`` and
``fixtures/``; the output is deterministic.
"""
