"""The API docs page, rendered by headless Chromium: Swagger UI from shipped assets, an
operation expanded with its schemas and its problem+json errors."""

from __future__ import annotations

import html
import re

from browser import browse, png_colours, screenshot
from support import Api

# Deep linking opens this operation (tag/operationId) when the page loads.
CREATE_TENANT = "/docs#/tenants/post_tenant_v1_tenants_post"


async def test_the_docs_page_serves_swagger_ui_from_its_own_assets(api: Api) -> None:
    page = await api.gateway.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    assert all(source.startswith("/docs/assets/") for source in sources), sources
    for source in sources:
        asset = await api.gateway.get(source)
        assert asset.status_code == 200, source
        assert "public" in asset.headers["cache-control"]
    assert (await api.gateway.get("/docs/assets/nothing.js")).status_code == 404


async def test_the_docs_page_renders_an_operation_with_its_schemas_and_problems(
    api: Api, chromium: str
) -> None:
    url = f"{api.gateway.base_url}{CREATE_TENANT}"
    dom = html.unescape(browse(chromium, "--dump-dom", url))
    assert "swagger-ui" in dom
    operations = re.findall(r'id="operations-(\w+)-(\w+)"', dom)
    assert ("tenants", "post_tenant_v1_tenants_post") in operations
    assert len(operations) >= 20  # every routed operation is listed
    expanded = dom.split('id="operations-tenants-post_tenant_v1_tenants_post"', 1)[1]
    expanded = expanded.split('id="operations-', 1)[0]
    assert "is-open" in dom.split('id="operations-tenants-post_tenant_v1_tenants_post"')[0][-300:]
    for status in ("201", "400", "401", "403", "409", "413", "422", "500", "503"):
        assert f'data-code="{status}"' in expanded, status
    assert "application/problem+json" in expanded
    assert "region" in expanded  # the request body's schema, resolved from its $ref
    assert "$ref" not in expanded
    assert "\ufffd" not in dom  # no glyph the fonts lack

    for name, page in (("docs", "/docs"), ("docs-operation", CREATE_TENANT)):
        shot = screenshot(chromium, f"{api.gateway.base_url}{page}", name, size="1280,1400")
        assert png_colours(shot) > 32
