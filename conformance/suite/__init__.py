"""The conformance suite: the tests ``conformance run`` runs against a target, one module per
check family (each module carries its family's pytest marker)."""
