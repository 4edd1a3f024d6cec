"""The HTTP edge: routes built from ``specs/``, auth, request bodies, and errors in each protocol's shape."""
