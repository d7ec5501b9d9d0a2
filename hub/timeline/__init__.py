"""Conversations and interactions: the customer's timeline across every channel."""
