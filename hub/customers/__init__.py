"""Customers, their identities on every channel, and their account history."""
