"""The OpenAPI description and the browsable docs, served by the app itself under its CSP."""

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_description_is_served_with_every_resource_and_both_ways_in(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    description = response.json()
    assert description["openapi"].startswith("3.") and description["info"]["version"] == "1"
    paths = description["paths"]
    for path in ("/api/v1/projects", "/api/v1/articles", "/api/v1/imports", "/api/v1/annotations", "/api/v1/sources"):
        assert path in paths
    assert set(paths["/api/v1/annotations/{annotation_id}"]) == {"get", "patch", "delete"}
    schemes = description["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    refusals = paths["/api/v1/annotations/{annotation_id}"]["patch"]["responses"]
    assert {"401", "403", "404", "409", "422", "428"} <= set(refusals)


def test_the_docs_page_loads_swagger_ui_from_this_site_without_inline_script(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>", html)
    sources = [re.search(r'src="([^"]+)"', attributes).group(1) for attributes in scripts if "src=" in attributes]
    assert sources == ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts), (
        "the only script without a file is the settings, which is data"
    )
    assert "cdn" not in html.lower() and "/api/v1/openapi.json" in html
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert finders.find(asset), f"{asset} is collected with the app's static files"
