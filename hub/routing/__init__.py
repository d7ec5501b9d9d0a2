"""Queues, work items and offers: who handles what next."""
