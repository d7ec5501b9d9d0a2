"""The advisors' pages: sign-in and the inbox. An entry point like the API."""

from __future__ import annotations

from flask import Flask

from agent_ui.pages import blueprint


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
