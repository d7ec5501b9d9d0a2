"""The kernel: plain dataclasses, ports and errors. Imports no framework and no other module."""
