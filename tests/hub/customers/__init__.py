"""Customers: profile, account history."""
