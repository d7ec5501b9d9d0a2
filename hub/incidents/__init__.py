"""Incidents declared by supervisors: status updates, affected forum categories, and the
questions linked to them (docs/incidents.md)."""
