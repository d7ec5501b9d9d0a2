"""RQ jobs: small functions that call hub services. Enqueued by dotted name only."""
