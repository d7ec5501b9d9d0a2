"""Local stand-ins of provider APIs, for the demo and the tests (never for production)."""
