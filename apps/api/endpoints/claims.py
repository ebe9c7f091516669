"""Claims, their appearances and verdicts, and the proposals of claims for a marked claim: the
claim services make every change, checking the one rule themselves."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from apps.annotations.models import Annotation
from apps.api.endpoints.common import answers, without_nul
from apps.api.errors import PreconditionRequired
from apps.api.paging import page_of, paged
from apps.api.schemas import MAX_ID, ErrorOut, InputSchema, Page, PageOut
from apps.claims.models import Appearance, Claim, Verdict
from apps.claims.proposals import propose
from apps.claims.services import ONLY_REVIEWERS, ClaimConflict, attach_appearance, create_claim, update_claim
from apps.projects.models import Project

router = Router(tags=["claims"])

ClaimId = Path(..., ge=1, le=MAX_ID)
VerdictName = Literal[tuple(Verdict.values)]
LANGUAGE = r"^([a-z]{2}|und)$"
# Beyond this many, a proposal shares too little to be read.
MAX_PROPOSALS = 100


class AppearanceOut(Schema):
    id: int
    annotation: int = Field(alias="annotation_id")
    article: int = Field(alias="annotation.article_id")
    exact: str = Field(alias="annotation.exact", description="The words marked in this appearance.")
    language: str = Field(alias="annotation.article.language")
    title: str = Field(alias="annotation.article.title")
    published_on: date | None = Field(alias="annotation.article.published_on")
    outlet: str | None
    created_by: str
    created_at: datetime

    @staticmethod
    def resolve_outlet(appearance) -> str | None:
        publisher = appearance.annotation.article.publisher
        return publisher.name if publisher else None

    @staticmethod
    def resolve_created_by(appearance) -> str:
        return appearance.created_by.get_username()


class ClaimBrief(Schema):
    id: int
    project: int = Field(alias="project_id")
    wording: str
    language: str
    verdict: VerdictName
    rationale: str
    verdict_by: str | None
    verdict_at: datetime | None
    created_by: str
    created_at: datetime
    version: int = Field(description="Send it back with a change.")

    @staticmethod
    def resolve_verdict_by(claim) -> str | None:
        return claim.verdict_by.get_username() if claim.verdict_by_id else None

    @staticmethod
    def resolve_created_by(claim) -> str:
        return claim.created_by.get_username()


class ClaimOut(ClaimBrief):
    appearances: list[AppearanceOut] = Field(description="Every appearance you may see, oldest first.")

    @staticmethod
    def resolve_appearances(claim) -> list:
        return claim.appearances_seen


class ClaimPage(PageOut):
    items: list[ClaimBrief]


class ClaimConflictOut(ErrorOut):
    current: ClaimBrief = Field(description="The claim as it is now; nothing was changed.")


class ClaimFilters(Schema):
    project: int | None = Field(None, ge=1, le=MAX_ID)
    verdict: VerdictName | None = None
    language: str | None = Field(None, pattern=LANGUAGE)


class ClaimIn(InputSchema):
    project: int = Field(ge=1, le=MAX_ID)
    wording: str = Field(min_length=1, max_length=2000)
    language: str = Field("und", pattern=LANGUAGE)


class ClaimChange(InputSchema):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="The version your change was made from.")
    verdict: VerdictName | None = Field(None, description="Reviewers and managers only.")
    rationale: str | None = Field(None, max_length=20000, description="Reviewers and managers only.")
    wording: str | None = Field(None, min_length=1, max_length=2000)
    language: str | None = Field(None, pattern=LANGUAGE)


class AppearanceIn(InputSchema):
    annotation: int = Field(ge=1, le=MAX_ID, description="A claim annotation of the claim's project.")


class ProposalOut(Schema):
    claim: ClaimBrief
    score: float = Field(description="From 0 to 1; the story's aligned passages score 1.")
    why: list[str] = Field(description="What the marked words share with the claim.")


class ProposalPage(PageOut):
    items: list[ProposalOut]


def claim_rows(user):
    return Claim.objects.visible_to(user).select_related("created_by", "verdict_by")


def claim_out(claim: Claim, user) -> Claim:
    """The claim with the appearances the user may see, oldest first."""
    claim.appearances_seen = list(
        Appearance.objects.filter(claim=claim).visible_to(user).first_seen_first().for_display()
    )
    return claim


def claim_answer(claim: Claim, user) -> Claim:
    return claim_out(claim, user)


@router.get("/claims", response=answers({200: ClaimPage}), summary="Claims, the latest first")
def claim_list(request, response: HttpResponse, filters: Query[ClaimFilters], page: Query[Page]):
    claims = claim_rows(request.auth).order_by("-created_at", "-pk")
    if filters.project:
        claims = claims.filter(project_id=filters.project)
    if filters.verdict:
        claims = claims.filter(verdict=filters.verdict)
    if filters.language:
        claims = claims.filter(language=filters.language)
    return paged(request, response, claims, limit=page.limit, offset=page.offset)


@router.post("/claims", response=answers({201: ClaimOut}), summary="Add a claim to a project")
def claim_create(request, response: HttpResponse, payload: ClaimIn):
    project = get_object_or_404(Project.objects.visible_to(request.auth), pk=payload.project)
    claim = create_claim(
        project=project, user=request.auth, wording=without_nul(payload.wording), language=payload.language
    )
    response["Location"] = reverse("api:v1:claim_detail", args=[claim.pk])
    return Status(201, claim_answer(claim_rows(request.auth).get(pk=claim.pk), request.auth))


@router.get(
    "/claims/{claim_id}",
    response=answers({200: ClaimOut}),
    url_name="claim_detail",
    summary="One claim with its appearances, oldest first",
)
def claim_detail(request, claim_id: int = ClaimId):
    return claim_answer(get_object_or_404(claim_rows(request.auth), pk=claim_id), request.auth)


@router.patch(
    "/claims/{claim_id}",
    response=answers({200: ClaimOut, 409: ClaimConflictOut, 428: ErrorOut}),
    summary=(
        "Change the wording, or (reviewers and managers) the verdict and rationale, from the version you name "
        "(409 with the current state if it is stale)"
    ),
)
def claim_update(request, payload: ClaimChange, claim_id: int = ClaimId):
    claim = get_object_or_404(claim_rows(request.auth), pk=claim_id)
    changes = payload.model_dump(exclude={"version"})
    # The role first, whatever version is named: a stale version tells an analyst nothing.
    if (changes["verdict"] is not None or changes["rationale"] is not None) and not request.auth.has_perm(
        "claims.set_verdict", claim
    ):
        raise PermissionDenied(ONLY_REVIEWERS)
    if payload.version is None:
        raise PreconditionRequired("Say which version you changed: `version` in the body.")
    if changes["wording"] is not None:
        changes["wording"] = without_nul(changes["wording"])
    if changes["rationale"] is not None:
        changes["rationale"] = without_nul(changes["rationale"])
    try:
        update_claim(claim=claim, user=request.auth, base_version=payload.version, **changes)
    except ClaimConflict as conflict:
        current = claim_rows(request.auth).get(pk=claim.pk)
        return Status(409, {"message": str(conflict), "errors": [], "current": current})
    return claim_answer(claim_rows(request.auth).get(pk=claim.pk), request.auth)


@router.post(
    "/claims/{claim_id}/appearances",
    response=answers({201: ClaimOut}),
    summary="Attach a claim annotation as an appearance of the claim",
)
def appearance_create(request, payload: AppearanceIn, claim_id: int = ClaimId):
    claim = get_object_or_404(claim_rows(request.auth), pk=claim_id)
    annotations = Annotation.objects.visible_to(request.auth).live().select_related("article")
    annotation = get_object_or_404(annotations, pk=payload.annotation)
    attach_appearance(claim=claim, annotation=annotation, user=request.auth)
    return Status(201, claim_answer(claim_rows(request.auth).get(pk=claim.pk), request.auth))


@router.get(
    "/annotations/{annotation_id}/claim-proposals",
    response=answers({200: ProposalPage}),
    summary="The project's claims this claim annotation may be an appearance of, best first, with why",
)
def claim_proposals(request, response: HttpResponse, page: Query[Page], annotation_id: int = ClaimId):
    annotations = Annotation.objects.visible_to(request.auth).live().select_related("article")
    annotation = get_object_or_404(annotations, pk=annotation_id)
    proposals = propose(annotation, request.auth, limit=MAX_PROPOSALS)
    items = [
        {"claim": proposal.claim, "score": proposal.score, "why": proposal.why}
        for proposal in proposals[page.offset : page.offset + page.limit]
    ]
    return page_of(request, response, len(proposals), items, limit=page.limit, offset=page.offset)
