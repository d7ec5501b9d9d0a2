"""The public community forum (issue #6): models, services, queries and its pages.

``hub.forum.pages.init_app`` registers the blueprint at /forum; see docs/forum.md."""
