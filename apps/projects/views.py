"""The page an invitation link opens: a new account, or the signed-in user, joins the project."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.projects.forms import InvitationSignUpForm
from apps.projects.models import Invitation, Membership
from apps.projects.services import (
    AlreadyMember,
    InvitationGone,
    accept_invitation,
    sign_up_with_invitation,
    unusable_reason,
)

INVITATION_PAGE = "projects/invitation_accept.html"
GONE_PAGE = "projects/invitation_gone.html"
UNKNOWN = "There is no such invitation. Check that the whole link was copied, or ask for a new one."


class SignInRefused(Exception):
    """The login throttle refused the new account's first sign-in (its middleware answers)."""


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, secret):
    invitation = Invitation.objects.with_secret(secret).select_related("project", "created_by").first()
    if invitation is None:
        return render(request, GONE_PAGE, {"reason": UNKNOWN}, status=404)
    reason = unusable_reason(invitation)
    if reason:
        return gone(request, invitation, reason)
    if request.user.is_authenticated:
        return join_as_signed_in_user(request, invitation)
    return join_with_new_account(request, invitation)


def join_as_signed_in_user(request, invitation):
    membership = Membership.objects.filter(project=invitation.project, user=request.user).first()
    context = {"invitation": invitation, "membership": membership}
    if request.method == "GET":
        return render(request, INVITATION_PAGE, context)
    if request.POST.get("action") != "join":
        # A sign-up form sent from a page loaded before signing in: never joins the signed-in user.
        context["refusal"] = (
            f"You are signed in as {request.user.get_username()}: sign out first to create a new account."
        )
        return render(request, INVITATION_PAGE, context, status=409)
    try:
        membership = accept_invitation(invitation=invitation, user=request.user)
    except AlreadyMember as already:
        context["membership"] = already.membership
        return render(request, INVITATION_PAGE, context, status=409)
    except InvitationGone as gone_:
        return gone(request, invitation, str(gone_))
    messages.success(request, f"You joined {membership.project} as {membership.get_role_display().lower()}.")
    return redirect(project_articles(membership))


def join_with_new_account(request, invitation):
    if request.method == "POST" and request.POST.get("action") == "join":
        # The join button of a page whose session has since ended: sign in, then come back.
        return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
    form = InvitationSignUpForm(request.POST if request.method == "POST" else None)
    context = {"invitation": invitation, "form": form}
    if request.method == "GET":
        return render(request, INVITATION_PAGE, context)
    if not form.is_valid():
        return render(request, INVITATION_PAGE, context, status=422)
    username, password = form.cleaned_data["username"], form.cleaned_data["password1"]
    try:
        with transaction.atomic():
            membership = sign_up_with_invitation(invitation=invitation, username=username, password=password)
            # Signed in through the login throttle like any login: an address or name it holds
            # back gets its answer (429), and the new account is not kept.
            user = authenticate(request, username=username, password=password)
            if user is None:
                raise SignInRefused
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, INVITATION_PAGE, context, status=422)
    except InvitationGone as gone_:
        return gone(request, invitation, str(gone_))
    except SignInRefused:
        context["refusal"] = "Too many failed sign-ins from here: try again later."
        return render(request, INVITATION_PAGE, context, status=429)
    login(request, user)
    messages.success(
        request,
        f"Welcome, {user.get_username()}: you joined {membership.project} as {membership.get_role_display().lower()}.",
    )
    return redirect(project_articles(membership))


def gone(request, invitation, reason):
    context = {"invitation": invitation, "reason": reason}
    if request.user.is_authenticated and invitation.used_by_id == request.user.pk:
        context["joined_project_url"] = project_articles(invitation)
    return render(request, GONE_PAGE, context, status=410)


def project_articles(obj) -> str:
    """The article list of the project `obj` belongs to."""
    return f"{reverse('articles:list')}?{urlencode({'project': obj.project_id})}"
