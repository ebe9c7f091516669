from dataclasses import dataclass
from datetime import date
from functools import cache

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Min
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.annotations.models import Annotation, sentence_end, sentence_start
from apps.claims.forms import AttachForm, ClaimFiltersForm, VerdictForm
from apps.claims.listing import listed_claims
from apps.claims.models import SEEN_ON, Appearance, Claim
from apps.claims.proposals import propose
from apps.claims.services import ClaimConflict, attach_appearance, create_claim_from, update_claim
from apps.claims.timeline import Point, timeline
from apps.projects.models import Project

CLAIMS_PER_PAGE = 50
APPEARANCES_PER_PAGE = 50
PROPOSALS_SHOWN = 5


@cache
def workbench_address() -> str:
    """The workbench's address with a slot for the article: a page of rows costs one reverse()."""
    return reverse("annotations:workbench", args=[987654321]).replace("987654321", "{}")


@dataclass(frozen=True, slots=True)
class Row:
    """One appearance on the claim page: its passage in its sentence, where and when, who claims it."""

    annotation: int
    article: int
    title: str
    outlet: str | None
    author: str
    published_on: date | None
    language: str
    exact: str
    prefix: str
    suffix: str
    seen_on: date
    claimants: list[str]

    @property
    def url(self) -> str:
        return workbench_address().format(self.article) + f"?annotation={self.annotation}"

    @property
    def before(self) -> str:
        return sentence_start(self.prefix)

    @property
    def after(self) -> str:
        return sentence_end(self.suffix)


def visible_claim(request, pk) -> Claim:
    rows = Claim.objects.visible_to(request.user).select_related("project", "created_by", "verdict_by")
    return get_object_or_404(rows, pk=pk)


@login_required
@require_GET
def claim_list(request):
    """The claims of the user's projects, widest spread first, with the list's filters."""
    form = ClaimFiltersForm(request.GET)
    context = {
        "form": form,
        "projects": Project.objects.visible_to(request.user).values_list("pk", "name"),
        "verdicts": Claim.Verdict.choices,
        "sorts": ClaimFiltersForm.SORTS.items(),
    }
    template_name = "claims/claim_list.html"
    if request.htmx and request.htmx.target == "claim-results":
        template_name += "#claim-results"
    if not form.is_valid():
        return render(request, template_name, context, status=422)
    paginator = Paginator(listed_claims(request.user, form.cleaned_data), CLAIMS_PER_PAGE)
    context["page"] = paginator.get_page(request.GET.get("page"))
    return render(request, template_name, context)


def claim_context(request, claim: Claim, **extra) -> dict:
    user = request.user
    appearances = Appearance.objects.filter(claim=claim).visible_to(user)
    page = Paginator(appearances.for_listing(), APPEARANCES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [Row(*values) for values in page.object_list]
    # The picture shows every appearance, counted by day, outlet and language in the database.
    points = [
        Point(row["seen_on"], row["outlet"] or "no outlet", row["language"], row["count"], row["title"])
        for row in appearances.annotate(seen_on=SEEN_ON)
        .values(
            "seen_on", outlet=F("annotation__article__publisher__name"), language=F("annotation__article__language")
        )
        .annotate(count=Count("pk"), title=Min("annotation__article__title"))
        .order_by("seen_on", "outlet", "language")
    ]
    may_judge = user.has_perm("claims.set_verdict", claim)
    return {
        "claim": claim,
        "page": page,
        "timeline": timeline(points, title=f"Where and when {claim} appeared"),
        "appearance_count": page.paginator.count,
        "may_judge": may_judge,
        "verdict_form": extra.pop("verdict_form", None)
        or VerdictForm(initial={"version": claim.version, "verdict": claim.verdict, "rationale": claim.rationale}),
        **extra,
    }


@login_required
@require_GET
def claim_detail(request, pk):
    """A claim, its verdict and every appearance the user may see, oldest first, drawn and tabled."""
    claim = visible_claim(request, pk)
    return render(request, "claims/claim_detail.html", claim_context(request, claim))


@login_required
@require_POST
def claim_verdict(request, pk):
    """Set the verdict from the version the page showed; a stale one answers 409 with what it is now."""
    claim = visible_claim(request, pk)
    if not request.user.has_perm("claims.set_verdict", claim):
        raise PermissionDenied("Only reviewers and managers set a claim's verdict.")
    form = VerdictForm(request.POST)
    partial = "claims/claim_detail.html#claim-verdict"
    if not form.is_valid():
        return render(request, partial, claim_context(request, claim, verdict_form=form), status=422)
    data = form.cleaned_data
    try:
        claim = update_claim(
            claim=claim,
            user=request.user,
            base_version=data["version"],
            verdict=data["verdict"],
            rationale=data["rationale"],
        )
    except ClaimConflict as conflict:
        current = visible_claim(request, pk)
        return render(request, partial, claim_context(request, current, error=str(conflict)), status=409)
    claim = visible_claim(request, pk)
    return render(request, partial, claim_context(request, claim, saved="Verdict saved."))


def proposals_context(request, annotation: Annotation, **extra) -> dict:
    appearance = Appearance.objects.filter(annotation=annotation).select_related("claim").first()
    context = {"annotation": annotation, "appearance": appearance, **extra}
    if appearance is None or not request.user.has_perm("claims.view_claim", appearance.claim):
        context["appearance"] = None
        context["proposals"] = propose(annotation, request.user, limit=PROPOSALS_SHOWN)
    context["may_attach"] = request.user.has_perm("claims.add_claim", annotation.article.project)
    return context


def claim_annotation(request, pk) -> Annotation:
    rows = Annotation.objects.visible_to(request.user).live().select_related("article__project")
    annotation = get_object_or_404(rows, pk=pk, kind=Annotation.Kind.CLAIM)
    return annotation


@login_required
@require_GET
def annotation_proposals(request, pk):
    """The workbench panel's claim section: the claim the annotation appears in, or proposals."""
    annotation = claim_annotation(request, pk)
    return render(request, "claims/claim_proposals.html", proposals_context(request, annotation))


@login_required
@require_POST
def annotation_attach(request, pk):
    annotation = claim_annotation(request, pk)
    form = AttachForm(request.POST)
    template = "claims/claim_proposals.html"
    if not form.is_valid():
        context = proposals_context(request, annotation, error="Choose a claim to attach.")
        return render(request, template, context, status=422)
    claim = get_object_or_404(Claim.objects.visible_to(request.user), pk=form.cleaned_data["claim"])
    try:
        attach_appearance(claim=claim, annotation=annotation, user=request.user)
    except ValidationError as error:
        context = proposals_context(request, annotation, error=" ".join(error.messages))
        return render(request, template, context, status=422)
    response = render(request, template, proposals_context(request, annotation, saved="Attached to the claim."))
    return trigger_client_event(response, "claim-attached")


@login_required
@require_POST
def annotation_new_claim(request, pk):
    annotation = claim_annotation(request, pk)
    template = "claims/claim_proposals.html"
    try:
        create_claim_from(annotation=annotation, user=request.user)
    except ValidationError as error:
        context = proposals_context(request, annotation, error=" ".join(error.messages))
        return render(request, template, context, status=422)
    response = render(request, template, proposals_context(request, annotation, saved="New claim created."))
    return trigger_client_event(response, "claim-attached")
