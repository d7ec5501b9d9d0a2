"""The one inbound path: verify, store, commit, acknowledge, then queue."""
