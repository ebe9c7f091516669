"""The JSON API, version 1: django-ninja builds the OpenAPI description from the typed
operations in `endpoints`, which call the same services under the same rule as the pages."""

import json

from django.conf import settings
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from apps.api.auth import SessionAuth, TokenAuth
from apps.api.endpoints import annotations, articles, claims, imports, projects, search, sources, stories
from apps.api.errors import BodyNotAnObject, install_error_handlers


class SiteSwagger(Swagger):
    # ninja renders its CDN page when it is not an installed app, and it is not (see settings):
    # its own page takes the UI from this site's static files.
    template_cdn = str(settings.NINJA_DIR / "templates" / "ninja" / "swagger.html")


class StrictJsonParser(Parser):
    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            # Every body of this API is an object: an array would be read as an object without
            # fields (an empty change), whatever it held. Refused with 422 (errors.py).
            raise BodyNotAnObject(data)
        if b"\\u" in request.body:
            # JSON may spell a lone surrogate (\\ud800), which neither UTF-8 nor PostgreSQL can hold:
            # refused here (ninja answers 400) instead of failing when saved.
            json.dumps(data, ensure_ascii=False).encode()
        return data


api = NinjaAPI(
    title="Sourcetrace API",
    version="1",
    description=(
        "Projects, articles, annotations, sources and their review, for scripts. Authenticate with a personal "
        "token (`Authorization: Bearer <token>`, made on /api/tokens/) or the browser's session. Every refusal "
        "is JSON: `message` for people and `errors`, the fields refused."
    ),
    urls_namespace="api:v1",
    auth=[TokenAuth(), SessionAuth()],
    parser=StrictJsonParser(),
    docs=SiteSwagger(settings={"persistAuthorization": False}),
)
install_error_handlers(api)
for module in (projects, articles, imports, annotations, sources, search, claims, stories):
    api.add_router("", module.router)
