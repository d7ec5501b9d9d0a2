"""The HTTP entry points: provider hooks and the REST API (flask-smorest)."""
