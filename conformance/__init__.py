"""The conformance harness: certifies any multi-protocol LLM API gateway, this project's or another's.

``checks`` holds the pure rules (streams, error bodies, stream/non-stream equivalence) that the
pytest plugin and the CLI apply to what a target gateway answers.
"""
