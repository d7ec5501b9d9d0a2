"""Outbound replies: the outbound guard and the delivery state machine."""
