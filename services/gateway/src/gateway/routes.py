"""The routing table, as data: method + path template -> upstream pool, access rule and
balancing; a named region (X-Tessera-Region) picks that region's pool where one exists."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum

from gateway.balancing import Balance
from tessera_common.read_documents import tenant_profile_key, usage_rollups_key

REGION_HEADER = "x-tessera-region"


class Access(StrEnum):
    PUBLIC = "public"  # no key
    OPERATOR = "operator"  # the operator key only
    TENANT = "tenant"  # the operator, or a key of the tenant named in the path
    TENANT_KEY = "tenant-key"  # a tenant's own key only (the tenant is the key's)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pool: str
    access: Access
    max_body_bytes: int | None = None  # None: the gateway's default limit
    balance: Balance = Balance.ROUND_ROBIN
    metered: bool = True  # a tenant's calls count as `api_calls` usage
    # The read-model key whose announced changes drop the gateway's kept answers (see
    # gateway.responses); None: every request goes to the upstream.
    kept_as: Callable[[uuid.UUID], str] | None = None
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


TENANT = "/v1/tenants/{tenant_id}"
# A tenant's requests stick to one instance (its L1 profile, directory placement and shard
# connections stay warm there); other reads go where the least is waiting.
READ = Balance.LEAST_OUTSTANDING
STICKY = Balance.TENANT_HASH

ROUTES: tuple[Route, ...] = (
    # commands -> the owning command service
    Route("POST", "/v1/tenants", "accounts", Access.OPERATOR),
    Route("PATCH", TENANT, "accounts", Access.TENANT, balance=STICKY),
    Route("DELETE", TENANT, "accounts", Access.OPERATOR, balance=STICKY),
    Route("POST", f"{TENANT}/suspend", "accounts", Access.OPERATOR, balance=STICKY),
    Route("POST", f"{TENANT}/reactivate", "accounts", Access.OPERATOR, balance=STICKY),
    Route("POST", f"{TENANT}/users", "accounts", Access.TENANT, balance=STICKY),
    Route("PATCH", f"{TENANT}/users/{{user_id}}", "accounts", Access.TENANT, balance=STICKY),
    Route("DELETE", f"{TENANT}/users/{{user_id}}", "accounts", Access.TENANT, balance=STICKY),
    Route("POST", f"{TENANT}/api-keys", "accounts", Access.TENANT, balance=STICKY),
    Route("DELETE", f"{TENANT}/api-keys/{{key_id}}", "accounts", Access.TENANT, balance=STICKY),
    # a tenant's moves between shards: started and followed by the operator
    Route("POST", f"{TENANT}/moves", "accounts", Access.OPERATOR),
    Route("GET", f"{TENANT}/moves/{{move_id}}", "accounts", Access.OPERATOR, balance=READ),
    Route("PUT", f"{TENANT}/subscription", "billing", Access.TENANT, balance=STICKY),
    Route("POST", f"{TENANT}/invoices", "billing", Access.TENANT, balance=STICKY),
    Route("POST", f"{TENANT}/payments", "billing", Access.TENANT, balance=STICKY),
    # Reporting usage is not itself metered: it would feed back into what it reports.
    Route(
        "POST",
        "/v1/usage",
        "usage",
        Access.TENANT_KEY,
        max_body_bytes=8 * 1024 * 1024,
        balance=STICKY,
        metered=False,
    ),
    # queries -> the query service
    Route("GET", "/v1/plans", "query", Access.PUBLIC, balance=READ),
    Route("GET", "/v1/reports/revenue", "query", Access.OPERATOR, balance=READ),
    Route("GET", "/v1/tenants", "query", Access.OPERATOR, balance=READ),
    Route("GET", TENANT, "query", Access.TENANT, balance=STICKY, kept_as=tenant_profile_key),
    Route("GET", f"{TENANT}/users", "query", Access.TENANT, balance=STICKY),
    Route("GET", f"{TENANT}/users/{{user_id}}", "query", Access.TENANT, balance=STICKY),
    Route("GET", f"{TENANT}/invoices", "query", Access.TENANT, balance=STICKY),
    Route("GET", f"{TENANT}/invoices/{{invoice_id}}", "query", Access.TENANT, balance=STICKY),
    Route(
        "GET",
        f"{TENANT}/usage",
        "query",
        Access.TENANT,
        balance=STICKY,
        kept_as=usage_rollups_key,
    ),
)


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]

    @property
    def tenant_id(self) -> uuid.UUID | None:
        """The tenant named in the path; None when absent or not a UUID."""
        raw = self.params.get("tenant_id")
        if raw is None:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            return None


class RoutingTable:
    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        self.routes = routes

    @staticmethod
    def pool_for(route: Route, region: str | None, pools: Collection[str]) -> str:
        """The route's pool, or its regional twin `<pool>.<region>` when that is configured."""
        regional = f"{route.pool}.{region}"
        return regional if region and regional in pools else route.pool

    def resolve(self, method: str, path: str) -> Match:
        """The route of a request; NoRouteError (404) or MethodNotAllowedError (405)."""
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return Match(route, found.groupdict())
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowedError(allowed)
        raise NoRouteError(path)


class NoRouteError(LookupError):
    pass


class MethodNotAllowedError(LookupError):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed
