"""The web-chat widget's side of the hub: its script, its brand demo page, visitor
sessions and history (docs/channels/webchat.md). Messages themselves come in through
``/hooks/webchat/<account>`` like every channel's, and replies go out through the
``webchat`` adapter; the visitors' socket is ``hub/realtime/visitor_socket.py``."""
