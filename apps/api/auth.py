"""Who is calling the API: a personal token (`Authorization: Bearer st_…`) or the browser's session.

Either way the request then acts as that user, with that user's project roles: the one rule
(apps/projects/permissions.py) decides everything else.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from apps.api.models import TOKEN_PREFIX, ApiToken, token_digest
from apps.projects.permissions import PasswordBackend
from config.middleware import bookkeeping

# "Last used" is for telling forgotten tokens from live ones; recording it once a minute, not
# at every request, spares a write per call to a busy script.
LAST_USED_PRECISION = timedelta(minutes=1)


def user_of_token(secret: str):
    """The active user a live token belongs to, with their roles loaded; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = ApiToken.objects.active().filter(digest=token_digest(secret)).values_list("pk", "user_id", "last_used_at")
    found = row.first()
    if found is None:
        return None
    token_pk, user_id, last_used_at = found
    user = PasswordBackend().get_user(user_id)  # None for a deactivated user
    if user is None:
        return None
    now = timezone.now()
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, a token made on the user's API tokens page."""

    def authenticate(self, request, token):
        with bookkeeping(request):  # noting the token's use is not the change the call asks for
            user = user_of_token(token)
        if user is not None:
            # Code that reads request.user (services, templates) sees the token's user.
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session, for the app's own pages; unsafe methods need the CSRF token.

    Unlike ninja's own, a request without a signed-in session is not checked for CSRF at
    all, so that a script without credentials is told 401 rather than 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "The CSRF token is missing or wrong: send the page's token in X-CSRFToken.")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None
