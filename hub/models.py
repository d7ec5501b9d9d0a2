"""Every model module, imported once so ``Base.metadata`` knows all tables."""

from __future__ import annotations

from hub.audit import models as audit_models
from hub.auth import models as auth_models
from hub.customers import models as customer_models
from hub.db import Base
from hub.events import RealtimeEvent
from hub.forum import desk_models as forum_desk_models
from hub.forum import models as forum_models
from hub.inbox import models as inbox_models
from hub.incidents import models as incident_models
from hub.intake import models as intake_models
from hub.replies import models as reply_models
from hub.routing import models as routing_models
from hub.timeline import models as timeline_models

__all__ = [
    "Base",
    "RealtimeEvent",
    "audit_models",
    "auth_models",
    "customer_models",
    "forum_desk_models",
    "forum_models",
    "inbox_models",
    "incident_models",
    "intake_models",
    "reply_models",
    "routing_models",
    "timeline_models",
]
