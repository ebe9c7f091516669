from functools import wraps

from django.http import JsonResponse
from django.urls import path, re_path, reverse

from apps.api import views
from apps.api.api import api
from apps.api.errors import error_body

app_name = "api"


def json_method_refusal(view):
    """The API's own answer to a method an address does not take: JSON like its other refusals."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            refusal = JsonResponse(
                error_body(f"{request.method} is not allowed here; this address takes {allowed}."), status=405
            )
            refusal["Allow"] = allowed
            return refusal
        return response

    return wrapped


def not_found(request, rest):
    return JsonResponse(error_body("There is no such address in the API (see /api/v1/docs)."), status=404)


def index(request, **kwargs):
    """The API's root: what it is and where it is described, in JSON like the rest of it."""
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "docs": reverse("api:v1:openapi-view"),
            "openapi": reverse("api:v1:openapi-json"),
        }
    )


api_patterns, api_app, api_namespace = api.urls
for pattern in api_patterns:
    if pattern.name == "api-root":  # ninja's own answers 404 in HTML
        pattern.callback = index
    pattern.callback = json_method_refusal(pattern.callback)

urlpatterns = [
    path("v1/", (api_patterns, api_app, api_namespace)),
    # Any other address under the API answers in JSON too, not with the site's HTML page.
    re_path(r"^v1/(?P<rest>.*)$", not_found),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
