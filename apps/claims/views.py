from dataclasses import dataclass
from datetime import date
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.annotations.models import Annotation, quoted, sentence_end, sentence_start
from apps.articles.models import Article
from apps.claims.forms import AttachForm, ClaimFiltersForm, EvidenceForm, VerdictForm
from apps.claims.listing import listed_claims
from apps.claims.models import SEEN_ON, Appearance, Claim, Evidence
from apps.claims.proposals import propose
from apps.claims.services import (
    NOT_YOURS_TO_BACK,
    ClaimConflict,
    add_evidence,
    attach_appearance,
    create_claim_from,
    detach_appearance,
    remove_evidence,
    update_claim,
)
from apps.claims.timeline import Point, timeline
from apps.projects.models import Project

CLAIMS_PER_PAGE = 50
APPEARANCES_PER_PAGE = 50
PROPOSALS_SHOWN = 5
EVIDENCE_SHOWN = 200


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
    may_detach = user.has_perm("claims.add_appearance", claim)
    evidence = (
        Evidence.objects.filter(annotation__in=appearances.values("annotation"))
        .open_to(user)
        .for_display()
        .order_by("annotation_id", "pk")[:EVIDENCE_SHOWN]
    )
    return {
        "claim": claim,
        "page": page,
        "timeline": timeline(points, title=f"Where and when {claim} appeared"),
        "appearance_count": page.paginator.count,
        "may_judge": may_judge,
        "may_detach": may_detach,
        "evidence": list(evidence),
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


@login_required
@require_POST
def claim_detach(request, pk, annotation_pk):
    """Take one appearance out of the claim from its page; the annotation stays a claim annotation."""
    claim = visible_claim(request, pk)
    appearances = Appearance.objects.filter(claim=claim).visible_to(request.user).select_related("claim", "annotation")
    appearance = get_object_or_404(appearances, annotation_id=annotation_pk)
    detach_appearance(appearance=appearance, user=request.user)
    messages.success(request, f"{quoted(appearance.annotation.exact)} is no longer an appearance of this claim.")
    return redirect(claim)


def proposals_context(request, annotation: Annotation, **extra) -> dict:
    appearance = Appearance.objects.filter(annotation=annotation).select_related("claim").first()
    context = {"annotation": annotation, "appearance": appearance, **extra}
    if appearance is None or not request.user.has_perm("claims.view_claim", appearance.claim):
        context["appearance"] = None
        context["proposals"] = propose(annotation, request.user, limit=PROPOSALS_SHOWN)
    context["may_attach"] = request.user.has_perm("claims.add_claim", annotation.article.project)
    context["may_detach"] = context["appearance"] is not None and request.user.has_perm(
        "claims.add_appearance", context["appearance"].claim
    )
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


@login_required
@require_POST
def annotation_detach(request, pk):
    """The panel's "Detach": the annotation leaves its claim, and the panel proposes claims again."""
    annotation = claim_annotation(request, pk)
    appearance = Appearance.objects.filter(annotation=annotation).select_related("claim", "annotation").first()
    if appearance is None or not request.user.has_perm("claims.view_claim", appearance.claim):
        context = proposals_context(request, annotation, error="This annotation is not an appearance of a claim.")
        return render(request, "claims/claim_proposals.html", context, status=409)
    detach_appearance(appearance=appearance, user=request.user)
    context = proposals_context(request, annotation, saved="Detached from the claim.")
    response = render(request, "claims/claim_proposals.html", context)
    return trigger_client_event(response, "claim-detached")


# Evidence between passages ---------------------------------------------------------------------

EVIDENCE_SECTION = "claims/evidence_section.html"
ARTICLES_OFFERED = 20


def evidence_annotation(request, pk) -> Annotation:
    rows = Annotation.objects.visible_to(request.user).live().select_related("article__project")
    return get_object_or_404(rows, pk=pk)


def evidence_context(request, annotation: Annotation, **extra) -> dict:
    evidence = Evidence.objects.filter(annotation=annotation).for_display()
    return {
        "annotation": annotation,
        "evidence": list(evidence),
        "may_add": request.user.has_perm("claims.add_evidence", annotation),
        **extra,
    }


def evidence_section(request, annotation: Annotation, *, status=200, **extra):
    return render(
        request, EVIDENCE_SECTION + "#evidence-section", evidence_context(request, annotation, **extra), status=status
    )


@login_required
@require_GET
def annotation_evidence(request, pk):
    """The panel's evidence section: the passages linked to the annotation, and "Add evidence"."""
    return evidence_section(request, evidence_annotation(request, pk))


@login_required
@require_GET
def evidence_articles(request, pk):
    """The project's other articles to open beside the text, the story's first, by title."""
    annotation = evidence_annotation(request, pk)
    article = annotation.article
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    articles = (
        Article.objects.visible_to(request.user)
        .filter(project=article.project_id)
        .exclude(pk=article.pk)
        .only("pk", "title", "language", "story_id")
    )
    if query:
        articles = articles.titled(query)
    if article.story_id:
        same_story = ExpressionWrapper(Q(story_id=article.story_id), output_field=BooleanField())
        articles = articles.alias(same_story=same_story).order_by("-same_story", "-imported_at", "-pk")
    else:
        articles = articles.order_by("-imported_at", "-pk")
    context = {"annotation": annotation, "articles": articles[:ARTICLES_OFFERED], "query": query}
    return render(request, EVIDENCE_SECTION + "#evidence-articles", context)


@login_required
@require_GET
def evidence_picker(request, pk, article_pk):
    """Article B as a column beside the text, to select the passage in."""
    annotation = evidence_annotation(request, pk)
    if not request.user.has_perm("claims.add_evidence", annotation):
        raise PermissionDenied(NOT_YOURS_TO_BACK)
    rows = Article.objects.visible_to(request.user).filter(project=annotation.article.project_id)
    other = get_object_or_404(rows.exclude(pk=annotation.article_id), pk=article_pk)
    context = {
        "annotation": annotation,
        "other": other,
        "blocks": other.blocks(),
        "relations": Evidence.Relation.choices,
    }
    return render(request, EVIDENCE_SECTION + "#evidence-column", context)


@login_required
@require_POST
def evidence_add(request, pk):
    annotation = evidence_annotation(request, pk)
    if not request.user.has_perm("claims.add_evidence", annotation):
        raise PermissionDenied(NOT_YOURS_TO_BACK)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        error = "Select the passage in the article beside the text, then save. " + " ".join(
            message for messages in form.errors.values() for message in messages
        )
        return evidence_section(request, annotation, status=422, error=error)
    data = form.cleaned_data
    other = get_object_or_404(Article.objects.visible_to(request.user), pk=data.pop("article"))
    try:
        add_evidence(annotation=annotation, user=request.user, article=other, **data)
    except ValidationError as error:
        return evidence_section(request, annotation, status=422, error=" ".join(error.messages))
    response = evidence_section(request, annotation, saved="Evidence saved.")
    return trigger_client_event(response, "evidence-changed")


@login_required
@require_POST
def evidence_remove(request, pk):
    rows = Evidence.objects.visible_to(request.user).live().select_related("annotation__article__project")
    evidence = get_object_or_404(rows, pk=pk)
    remove_evidence(evidence=evidence, user=request.user)
    response = evidence_section(request, evidence.annotation, saved="Evidence removed.")
    return trigger_client_event(response, "evidence-changed")


@login_required
@require_GET
def article_evidence(request, article_pk):
    """The passages of an article linked as evidence for annotations the user may see."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk", "project_id"), pk=article_pk)
    passages = (
        Evidence.objects.filter(article=article)
        .live()
        .open_to(request.user)
        .select_related("annotation__article")
        .only(
            "pk",
            "relation",
            "start",
            "end",
            "exact",
            "annotation__kind",
            "annotation__exact",
            "annotation__article_id",
            "annotation__article__title",
        )
        .order_by("start", "pk")
    )
    context = {"article": article, "passages": list(passages), "lazy": False}
    return render(request, "claims/article_evidence.html#article-evidence", context)
