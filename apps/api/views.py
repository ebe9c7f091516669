"""The user's own page of API tokens: make one (its secret is shown once), see when each was
last used, revoke one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.api.models import ApiToken

TOKENS_PAGE = "api/tokens.html"


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. “nightly export script”.")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    context = {"form": form, "tokens": request.user.api_tokens.all()}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, TOKENS_PAGE, context, status=422)
        token, secret = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        # Rendered, not redirected to: the secret must never be stored, not even in a message.
        context.update(form=TokenForm(), created=token, secret=secret, tokens=request.user.api_tokens.all())
        return render(request, TOKENS_PAGE, context, status=201)
    return render(request, TOKENS_PAGE, context)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(request.user.api_tokens.active(), pk=pk)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, f"The token “{token.name}” is revoked; requests with it are refused from now on.")
    return redirect("api:tokens")
