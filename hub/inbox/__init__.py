"""The advisor's desk around a conversation: private notes, canned responses, reply channels."""
