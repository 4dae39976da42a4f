"""Topic names: one per bounded context, each with a dead-letter twin."""

ACCOUNTS_EVENTS = "accounts.events"
BILLING_EVENTS = "billing.events"
USAGE_EVENTS = "usage.events"
EVENT_TOPICS = (ACCOUNTS_EVENTS, BILLING_EVENTS, USAGE_EVENTS)


def dlq_of(topic: str) -> str:
    """The dead-letter topic of an event topic."""
    return f"{topic}.dlq"
