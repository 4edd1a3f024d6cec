"""The conformance harness: certifies any multi-protocol LLM API gateway, this project's or another's.

``checks`` holds the pure rules (streams, error bodies, usage, semantics, spec answers); the suite
(``suite/``, one pytest module per check family) applies them to what a target answers, through
the pytest glue in ``plugin`` and the ``conformance run`` command in ``cli``. Around them, one
concern each: ``profile`` (what a target claims), ``surfaces`` (the rows of the certificate),
``scenarios`` (one question in every protocol's terms), ``fuzzing`` (requests generated from
``specs/``), ``http`` and ``evidence`` (talking to the target and keeping what it said),
``certificate`` and ``render`` (the JSON, Markdown and HTML certificate).
"""
