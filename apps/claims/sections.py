"""What claims add to an annotation's side panel and its review page in the admin (registered in
apps.ClaimsConfig.ready: annotations never imports claims)."""

from django.template.loader import render_to_string

from apps.annotations.models import Annotation
from apps.claims.models import SEEN_ON, Appearance


def claim_in_panel(request, annotation) -> str:
    """For a claim, a section that loads its claim or the proposals once the panel is shown: the
    panel itself, rendered after every change, costs no query more."""
    if annotation.kind != Annotation.Kind.CLAIM or annotation.deleted_at is not None:
        return ""
    return render_to_string("claims/claim_panel_section.html", {"annotation": annotation}, request=request)


def claim_on_review_page(request, annotation) -> str:
    """The claim the annotation is an appearance of, with its other appearances oldest first."""
    appearance = Appearance.objects.filter(annotation=annotation).select_related("claim").first()
    if appearance is None or not request.user.has_perm("claims.view_claim", appearance.claim):
        return ""
    appearances = (
        Appearance.objects.filter(claim=appearance.claim_id)
        .visible_to(request.user)
        .first_seen_first()
        .for_display()
        .annotate(seen_on=SEEN_ON)[:100]
    )
    context = {"claim": appearance.claim, "appearances": appearances, "current": annotation.pk}
    return render_to_string("claims/claim_review_section.html", context, request=request)
