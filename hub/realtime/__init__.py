"""Socket.IO: the ``/agent`` namespace, shared by every web process through Redis."""
