"""The gateway's routing table."""

import uuid

import pytest

from gateway.routes import Access, MethodNotAllowedError, NoRouteError, RoutingTable

TABLE = RoutingTable()
TENANT = uuid.uuid4()


@pytest.mark.parametrize(
    ("method", "path", "pool", "access"),
    [
        ("POST", "/v1/tenants", "accounts", Access.OPERATOR),
        ("POST", f"/v1/tenants/{TENANT}/users", "accounts", Access.TENANT),
        ("GET", f"/v1/tenants/{TENANT}", "query", Access.TENANT),
        ("GET", f"/v1/tenants/{TENANT}/users", "query", Access.TENANT),
        ("GET", f"/v1/tenants/{TENANT}/users/{uuid.uuid4()}", "query", Access.TENANT),
    ],
)
def test_each_route_goes_to_its_pool(method: str, path: str, pool: str, access: Access) -> None:
    match = TABLE.resolve(method, path)
    assert (match.route.pool, match.route.access) == (pool, access)


def test_the_tenant_in_the_path_is_parsed() -> None:
    assert TABLE.resolve("GET", f"/v1/tenants/{TENANT}").tenant_id == TENANT
    assert TABLE.resolve("GET", "/v1/tenants/not-a-uuid").tenant_id is None


def test_a_known_path_with_another_method_lists_the_allowed_ones() -> None:
    with pytest.raises(MethodNotAllowedError) as raised:
        TABLE.resolve("DELETE", "/v1/tenants")
    assert sorted(raised.value.allowed) == ["GET", "POST"]


@pytest.mark.parametrize("path", ["/v1/nothing", "/v1/tenants/x/y/z/w", "/v2/tenants"])
def test_an_unknown_path_has_no_route(path: str) -> None:
    with pytest.raises(NoRouteError):
        TABLE.resolve("GET", path)
