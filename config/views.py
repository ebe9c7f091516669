"""Pages the project answers itself: the login throttle's refusal, refusals by role, the last-resort 500."""

import math
import sys

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.views import defaults

from config.middleware import failure_response


def login_locked_out(request, original_response=None, credentials=None):
    """Show the login page again with 429 and when to try again (django-axes' lockout response)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = max(1, math.ceil(lockout_remaining(request, credentials).total_seconds() / 60))
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout_message": f"Too many failed attempts; try again in {minutes} minute{'' if minutes == 1 else 's'}.",
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def lockout_remaining(request, credentials):
    """How long until the failures that lock this request out fall out of the cool-off window.

    Each failure row of axes counts all its failures until its latest one is older than the
    cool-off, so for each locked parameter (user name, address) the lock ends when the rows
    still in the window no longer add up to the limit.
    """
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_failure_limit

    cool_off = settings.AXES_COOLOFF_TIME
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    ends = []
    for attempts in handler.get_user_attempts(request, credentials):
        rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
        remaining = sum(failures for _, failures in rows)
        for attempt_time, failures in rows:
            if remaining < limit:
                break
            remaining -= failures
            ends.append(attempt_time + cool_off)
    return max(ends, default=timezone.now() + cool_off) - timezone.now()


def server_error(request):
    """Answer an outage (or a failure after a committed change) met outside any view, in a middleware."""
    response = failure_response(request, sys.exc_info()[1]) if sys.exc_info()[1] else None
    return response or defaults.server_error(request)


def permission_denied(request, exception=None):
    """Say what was refused, in the page's message area for htmx, as a page of its own otherwise."""
    reason = str(exception) if exception and str(exception) else "Your role in this project does not allow that."
    if request.headers.get("HX-Request"):
        response = HttpResponse(format_html('<p class="message message-error" role="alert">{}</p>', reason), status=403)
        # Whatever the request meant to replace stays; the refusal goes where messages go.
        response["HX-Retarget"], response["HX-Reswap"] = "#messages", "innerHTML"
        return response
    return render(request, "403.html", {"reason": reason}, status=403)
