"""The audit log: who did what to which subject, and why (append-only)."""
