"""Integration events: the envelope and one contracts module per bounded context."""

from tessera_common.events.envelope import EventEnvelope, new_event
from tessera_common.events.topics import ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS, dlq_of

__all__ = [
    "ACCOUNTS_EVENTS",
    "BILLING_EVENTS",
    "USAGE_EVENTS",
    "EventEnvelope",
    "dlq_of",
    "new_event",
]
