"""The Twilio stand-in lives in ``hub.sandbox.twilio`` (the demo uses it too)."""

from hub.sandbox.twilio import (  # noqa: F401
    SentMessage,
    TwilioStandin,
    count_segments,
    error_payload,
    inbound_sms_params,
    message_resource,
    new_sid,
    sign_and_post,
    status_callback_params,
    twilio_signature,
)
