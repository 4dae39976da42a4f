"""The shared words of the domain: plain enums with no framework, usable by every layer."""

from enum import StrEnum


class Region(StrEnum):
    US_EAST = "us-east"
    EU_WEST = "eu-west"
    APAC = "apac"


class Plan(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Currency(StrEnum):
    USD = "USD"
    EUR = "EUR"
    GBP = "GBP"


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ERASED = "erased"


class UserRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Meter(StrEnum):
    API_CALLS = "api_calls"
    STORAGE_GB_HOURS = "storage_gb_hours"
    SEATS = "seats"
