"""The widget's words, in the visitor's language (the page's, else the browser's)."""

from __future__ import annotations

from flask_babel import force_locale, gettext, pgettext

LANGUAGES = ("fr", "en")


def widget_strings(language: str) -> dict[str, str]:
    with force_locale(language):
        return {
            "open": gettext("Chat with us"),
            "close": gettext("Close the chat"),
            "title": gettext("Customer service"),
            "welcome": gettext("Hello! Write your question, an advisor will answer here."),
            "placeholder": gettext("Write your message…"),
            "send": pgettext("chat widget button", "Send"),
            "you": pgettext("chat widget author", "You"),
            "advisor": pgettext("chat widget author", "Advisor"),
            "typing": gettext("An advisor is typing…"),
            "failed": gettext("Not sent. Check your connection and try again."),
            "tooFast": gettext("Not sent: you are writing too fast. Wait a moment and try "
                               "again."),
            "offline": gettext("Reconnecting…"),
            "messages": gettext("Conversation"),
        }


def pick_language(asked: str, accept: str) -> str:
    """``asked`` is the page's ``lang`` (``fr-FR`` counts as ``fr``); else the browser's."""
    wanted = asked.strip().lower().split("-")[0]
    if wanted in LANGUAGES:
        return wanted
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]
