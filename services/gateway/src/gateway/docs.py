"""`/docs`: Swagger UI over the aggregated `/openapi.json`, served by the gateway itself.

The assets are the swagger-ui-dist build that the fastapi-offline package ships (Swagger
UI 5, which reads OpenAPI 3.1): nothing is fetched from a CDN, and the validator badge,
which would call out to a public service, is off.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

ASSETS = files("fastapi_offline") / "static"
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
# Assets change only with the package: caches (the edge's too) may keep them a day.
ASSET_CACHE = "public, max-age=86400, s-maxage=86400"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tessera API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 1,
  defaultModelExpandDepth: 2,
  showExtensions: true,
  validatorUrl: null,
});
</script>
</body>
</html>
"""


def docs_router() -> APIRouter:
    """The docs page and its assets (public, cacheable)."""
    router = APIRouter(include_in_schema=False)
    assets = {name: (ASSETS / name).read_bytes() for name in MEDIA_TYPES}

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        """Swagger UI over /openapi.json."""
        return HTMLResponse(PAGE, headers={"Cache-Control": "public, s-maxage=300"})

    @router.get("/docs/assets/{name}")
    async def asset(name: str) -> Response:
        """One of the page's assets, from the package that ships them."""
        if name not in assets:
            return Response(status_code=404)
        return Response(
            assets[name], media_type=MEDIA_TYPES[name], headers={"Cache-Control": ASSET_CACHE}
        )

    return router
