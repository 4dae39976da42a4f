"""API fuzzing in process: each service's real app, wired to the running stack.

Schemathesis reads a service's OpenAPI (the document its app serves), calls the app over
its ASGI transport and runs its lifespan once, so the app talks to the stack's databases,
Kafka and Redis; the gateway's upstreams are the stack's running services. The schemas
exist at import, read from the documents the apps serve (pytest parametrizes over their
operations; schemathesis' fixture-based loader does not run under pytest 9), and
`InProcess.bind` gives them their app once the stack is known.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import schemathesis
from openapi_snapshots import UPSTREAMS, current
from pydantic import SecretStr
from schemathesis import AuthContext, Case
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import gateway.main
from accounts.settings import AccountsSettings
from billing.settings import BillingSettings
from gateway.openapi import aggregate
from gateway.routes import ROUTES
from gateway.settings import GatewaySettings, ProxySettings
from query.settings import QuerySettings
from tessera_common.auth.internal_token import HEADER, OPERATOR, Caller, sign_internal_token
from tessera_common.settings import (
    AuthSettings,
    DirectorySettings,
    KafkaSettings,
    ReadDbSettings,
    RedisSettings,
    ShardSettings,
)
from tessera_stack.endpoints import Endpoints
from usage.settings import UsageSettings

# The properties every operation keeps, whatever it is sent: no 5xx, no 2xx for invalid
# input, no 2xx without credentials; and the document tells the truth: every status
# answered is one the operation documents, with its documented media type (errors are
# application/problem+json) and schema.
CHECKS = [
    not_a_server_error,
    negative_data_rejection,
    ignored_auth,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ASGIApp = Callable[..., Any]
Credential = Callable[[Case[Any]], dict[str, str]]


def _settings(service: str, endpoints: Endpoints) -> Any:
    shards = ShardSettings(servers=endpoints.shard_servers)
    kafka = KafkaSettings(bootstrap_servers=endpoints.kafka_bootstrap)
    redis = RedisSettings(url=endpoints.redis_url)
    auth = AuthSettings(operator_key=SecretStr(endpoints.operator_key))
    match service:
        case "accounts":
            directory = DirectorySettings(db_url=endpoints.directory_db_url)
            return AccountsSettings(shards=shards, directory=directory, kafka=kafka, auth=auth)
        case "billing":
            return BillingSettings(shards=shards, kafka=kafka, auth=auth)
        case "usage":
            return UsageSettings(shards=shards, kafka=kafka, auth=auth)
        case "query":
            read_db = ReadDbSettings(url=endpoints.read_db_url)
            return QuerySettings(redis=redis, read_db=read_db, auth=auth)
    proxy = ProxySettings(upstreams=endpoints.upstreams)
    return GatewaySettings(proxy=proxy, redis=redis, auth=auth)


def service_app(service: str, endpoints: Endpoints) -> ASGIApp:
    """The service's app, configured for the running stack."""
    create = gateway.main.create_app if service == "gateway" else UPSTREAMS[service]
    return create(_settings(service, endpoints))  # type: ignore[call-arg]


def document(service: str) -> dict[str, Any]:
    """The OpenAPI the service serves; the gateway's merges its upstreams' (built offline:
    building an app opens no connection)."""
    if service == "gateway":
        return aggregate({pool: current(pool) for pool in UPSTREAMS}, ROUTES)
    return current(service)


# Usage takes a tenant's own records only. The tenant need not exist: an upstream trusts
# the gateway's token, which the gateway issues for real keys only.
USAGE_TENANT = Caller("fuzz", operator=False, tenant_id=uuid.UUID(int=0xF022), region="us-east")
# Coverage cases are built, with their credentials, when pytest collects them: the token
# must outlive the whole run, not just the gateway's 60 s.
TOKEN_TTL_SECONDS = 3600


def internal_token(case: Case[Any]) -> dict[str, str]:
    """The gateway's signed token: the usage tenant's on `/v1/usage`, else the operator's,
    which may act for any tenant."""
    caller = USAGE_TENANT if case.operation.path == "/v1/usage" else OPERATOR
    secret = AuthSettings().internal_token_secret.get_secret_value()
    return {HEADER: sign_internal_token(caller, secret, TOKEN_TTL_SECONDS)}


def operator_key(case: Case[Any]) -> dict[str, str]:
    """The operator's key, as a client presents it to the gateway."""
    return {"Authorization": f"Bearer {AuthSettings().operator_key.get_secret_value()}"}


class InProcess:
    """The ASGI app schemathesis calls: the service's real app, once bound to the stack."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.app: ASGIApp | None = None

    def bind(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, f"{self.service}: bind() it to the stack first"
        await self.app(scope, receive, send)


def fuzzed(service: str, credential: Credential) -> tuple[BaseSchema, InProcess]:
    """The service's schema, calling its in-process app with its credential on every case
    (`ignored_auth` then tries each case without it, and with a wrong one)."""
    target = InProcess(service)
    schema = schemathesis.openapi.from_dict(document(service))
    schema.app = target

    class Credentials:
        def get(self, case: Case[Any], context: AuthContext) -> dict[str, str]:
            return credential(case)

        def set(self, case: Case[Any], data: dict[str, str], context: AuthContext) -> None:
            case.headers.update(data)

    schema.auth(refresh_interval=None)(Credentials)
    return schema, target


SERVICES = ("accounts", "billing", "usage", "query")
FUZZED = {service: fuzzed(service, internal_token) for service in SERVICES}
FUZZED["gateway"] = fuzzed("gateway", operator_key)


def bind_to_stack(endpoints: Endpoints) -> None:
    """Give every fuzzed schema its service's app, wired to the stack."""
    for service, (_, target) in FUZZED.items():
        target.bind(service_app(service, endpoints))
