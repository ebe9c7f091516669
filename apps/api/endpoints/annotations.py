"""Annotations, their source links, review and discussion: the workbench's forms validate the
input and the annotation services make every change, checking the one rule themselves."""

import json
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Header, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestRefused
from pydantic import ValidationError as PydanticError

from apps.annotations.forms import AnnotationCreateForm, AnnotationEditForm, CommentForm, LinkForm, ReviewForm
from apps.annotations.models import Annotation, Link
from apps.annotations.models import AnnotationFilters as Narrowed
from apps.annotations.services import (
    NOT_YOURS,
    add_comment,
    create_annotation,
    delete_annotation,
    link_source,
    review_annotation,
    submit_annotation,
    unlink_source,
    update_annotation,
    withdraw_annotation,
)
from apps.api.endpoints.common import answers, without_nul
from apps.api.errors import BodyNotAnObject, PreconditionRequired, etag, etag_of, validated
from apps.api.paging import collection_url, page_url, paged
from apps.api.representations import annotation_dicts, link_dicts, new_annotation_dict
from apps.api.schemas import (
    MAX_ID,
    AnnotationChange,
    AnnotationFilters,
    AnnotationIn,
    AnnotationOut,
    AnnotationPage,
    CommentIn,
    CommentOut,
    ConflictOut,
    CounterpartProposal,
    ErrorOut,
    LinkIn,
    LinkOut,
    Page,
    ReviewIn,
    SubmitIn,
)
from apps.articles.models import Article
from apps.exports import w3c
from apps.exports.rows import LINKS
from apps.sources.services import find_or_create_source
from apps.stories.services import counterparts_of, create_counterpart, propose_counterpart

router = Router(tags=["annotations"])


class AnnotationWithNoteForm(AnnotationCreateForm):
    """The workbench's new span, with the note and tags its panel adds next: the API takes them at once."""

    note = AnnotationEditForm.base_fields["note"]
    tags = AnnotationEditForm.base_fields["tags"]


AnnotationId = Path(..., ge=1, le=MAX_ID)
# What an article row holds beyond what an annotation's W3C target names.
ARTICLE_BULK = (
    "article__text",
    "article__original",
    "article__fingerprint",
    "article__headings",
    "article__search",
    "article__names",
)
ETAG_RE = re.compile(r'^"annotation-(\d+)-v(\d+)"$')


def annotation_rows(user):
    """The live annotations the user may see."""
    return Annotation.objects.visible_to(user).live()


def visible_annotation(request, pk: int) -> Annotation:
    """The annotation if the user may see it; 404 otherwise, so that other projects stay unseen."""
    rows = annotation_rows(request.auth).select_related("article__project", "created_by", "updated_by")
    return get_object_or_404(rows, pk=pk)


def editable_annotation(request, pk: int) -> Annotation:
    """404 when the user may not even see it, 403 when they may only see it (as in the workbench)."""
    annotation = visible_annotation(request, pk)
    if not request.auth.has_perm("annotations.change_annotation", annotation):
        raise PermissionDenied(NOT_YOURS)
    return annotation


def wants_web_annotations(request) -> bool:
    """Whether the Accept header prefers W3C Web Annotations (JSON-LD) to the plain JSON."""
    return request.get_preferred_type(["application/json", w3c.MEDIA_TYPE]) == w3c.MEDIA_TYPE


def web_annotation_rows(user):
    """The annotations as the W3C serialisation reads them: articles without their text, links with theirs."""
    return (
        Annotation.objects.visible_to(user)
        .live()
        .select_related("article", "created_by")
        .defer(*ARTICLE_BULK)
        .prefetch_related(LINKS)
    )


def json_ld(document: dict, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False), content_type=w3c.MEDIA_TYPE, status=status)
    response["Vary"] = "Accept"
    return response


def web_annotation(request, pk: int) -> HttpResponse:
    annotation = get_object_or_404(web_annotation_rows(request.auth), pk=pk)
    counterparts = [other.pk for other in counterparts_of(annotation, request.auth)]
    response = json_ld(w3c.annotation(annotation, base_url=base_url(request), counterparts=counterparts))
    response["ETag"] = etag(annotation)
    # The Web Annotation Protocol's headers for an annotation (4.1).
    response["Link"] = '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
    response["Allow"] = "GET, PATCH, DELETE, HEAD, OPTIONS"
    return response


def base_url(request) -> str:
    """Where the ids of W3C annotations start: the site's public address, as in the exports."""
    return settings.SITE_URL


def fresh(request, response: HttpResponse, pk: int) -> dict:
    """The annotation as it is now, with its ETag; 404 when the user may not see it."""
    rows = annotation_dicts(annotation_rows(request.auth).filter(pk=pk))
    if not rows:
        raise Http404
    response["ETag"] = etag_of(rows[0]["id"], rows[0]["version"])
    rows[0]["counterparts"] = counterpart_dicts(Annotation(pk=pk), request.auth)
    return rows[0]


def counterpart_dicts(annotation: Annotation, user) -> list[dict]:
    return [
        {
            "id": other.pk,
            "article": other.article_id,
            "kind": other.kind,
            "status": other.status,
            "start": other.start,
            "end": other.end,
            "exact": other.exact,
        }
        for other in counterparts_of(annotation, user)
    ]


def optional_body(request, schema):
    """The body of an operation that may come without one (`schema`'s defaults then): a field it
    does not take is refused, as any operation's, rather than dropped."""
    if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        # What some clients send for no body: an empty form. A form's fields are read as JSON's.
        data = {**request.POST.dict(), **dict.fromkeys(request.FILES)}
    elif request.body.strip():
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            raise HttpError(400, "Cannot parse request body") from None
        if not isinstance(data, dict):  # refused as the API's parser refuses it (errors.py)
            raise HttpError(400, "Cannot parse request body") from BodyNotAnObject(data)
    else:
        data = {}
    try:
        return schema.model_validate(data)
    except PydanticError as error:
        raise RequestRefused([{**item, "loc": ("body", "payload", *item["loc"])} for item in error.errors()]) from None


def also_as_web_annotations(kind: str) -> dict:
    """The OpenAPI description of the W3C representation, which Accept chooses."""
    schema = {"type": "object", "description": f"A W3C Web Annotation {kind} (JSON-LD)"}
    return {"responses": {200: {"content": {w3c.MEDIA_TYPE: {"schema": schema}}}}}


@router.get(
    "/annotations",
    response=answers({200: AnnotationPage}),
    openapi_extra=also_as_web_annotations("AnnotationPage"),
    summary="Annotations, oldest first; an AnnotationPage when Accept asks for W3C Web Annotations",
)
def annotation_list(request, response: HttpResponse, filters: Query[AnnotationFilters], page: Query[Page]):
    annotations = annotation_rows(request.auth).order_by("pk")
    if filters.article:
        annotations = annotations.filter(article_id=filters.article)
    else:  # an earlier version's own annotations are listed when it is named
        annotations = annotations.of_latest_versions()
    if filters.project:
        annotations = annotations.filter(article__project_id=filters.project)
    if filters.kind:
        annotations = annotations.filter(kind=filters.kind)
    if filters.status:
        annotations = annotations.filter(status=filters.status)
    if filters.author:
        annotations = annotations.filter(created_by__username=without_nul(filters.author))
    if filters.source or filters.role:
        annotations = annotations.filtered(Narrowed(source=filters.source, role=filters.role or ""))
    if filters.updated_since:
        annotations = annotations.filter(updated_at__gte=filters.updated_since)
    response["Vary"] = "Accept"
    if wants_web_annotations(request):
        rows = web_annotation_rows(request.auth).filter(pk__in=annotations.values("pk")).order_by("pk")
        return annotation_page(request, response, rows, page)
    return paged(request, response, annotations, limit=page.limit, offset=page.offset, rows=annotation_dicts)


def annotation_page(request, response: HttpResponse, annotations, page: Page) -> HttpResponse:
    """One page of the list as a W3C AnnotationPage, part of the collection the filters select.

    As the Web Annotation Protocol pages a container (5.3): the collection's total, first and
    last pages, this page's neighbours in the body and in the Link header.
    """
    listed = paged(request, response, annotations, limit=page.limit, offset=page.offset)
    links = listed["links"]
    collection = w3c.collection(
        id=collection_url(request), label="Annotations", total=listed["count"], first=links["first"], last=links["last"]
    )
    del collection["@context"]  # the page's context covers it
    document = w3c.page(
        [w3c.annotation(annotation, base_url=base_url(request), with_context=False) for annotation in listed["items"]],
        id=page_url(request, page.offset, page.limit),
        start_index=listed["offset"],
        part_of=collection,
        next=listed["next"],
        prev=listed["previous"],
    )
    answer = json_ld(document)
    answer["Link"] = response["Link"] + ', <http://www.w3.org/ns/oa#AnnotationPage>; rel="type"'
    return answer


@router.post("/annotations", response=answers({201: AnnotationOut}, 409), summary="Mark a span of an article")
def annotation_create(request, response: HttpResponse, payload: AnnotationIn):
    articles = Article.objects.visible_to(request.auth).only("pk", "project_id", "text", "headings")
    article = get_object_or_404(articles, pk=payload.article)
    fields = payload.model_dump(mode="json", exclude={"article", "counterpart"})
    # The workbench's tags field: comma-separated, so a tag cannot hold a comma.
    data = validated(AnnotationWithNoteForm({**fields, "tags": ", ".join(payload.tags)}))
    if payload.counterpart is not None:
        first = visible_annotation(request, payload.counterpart)
        annotation = create_counterpart(annotation=first, article=article, user=request.auth, **data)
    else:
        annotation = create_annotation(article=article, user=request.auth, **data)
    response["Location"] = reverse("api:v1:annotation_detail", args=[annotation.pk])
    response["ETag"] = etag(annotation)
    created = new_annotation_dict(annotation)
    if payload.counterpart is not None:
        # Its links came along with the counterpart: read back as the detail reads them.
        created = annotation_dicts(Annotation.objects.filter(pk=annotation.pk))[0]
    created["counterparts"] = counterpart_dicts(annotation, request.auth)
    return Status(201, created)


@router.get(
    "/annotations/{annotation_id}",
    response=answers({200: AnnotationOut}),
    openapi_extra=also_as_web_annotations("Annotation"),
    url_name="annotation_detail",
    summary="One annotation, with its ETag; a W3C Web Annotation when Accept asks for one",
)
def annotation_detail(request, response: HttpResponse, annotation_id: int = AnnotationId):
    response["Vary"] = "Accept"
    if wants_web_annotations(request):
        return web_annotation(request, annotation_id)
    return fresh(request, response, annotation_id)


@router.get(
    "/annotations/{annotation_id}/counterpart",
    response=answers({200: CounterpartProposal}),
    summary="The span of another article of the story that corresponds to this annotation (a proposal; "
    "accept it by creating an annotation with `counterpart` naming this one)",
)
def annotation_counterpart(request, article: int = Query(..., ge=1, le=MAX_ID), annotation_id: int = AnnotationId):
    annotation = visible_annotation(request, annotation_id)
    articles = Article.objects.visible_to(request.auth).only("pk", "project_id", "story_id", "text", "language")
    other = get_object_or_404(articles, pk=article)
    proposal = propose_counterpart(annotation=annotation, article=other, user=request.auth)
    return {
        "start": proposal.start,
        "end": proposal.end,
        "exact": other.text[proposal.start : proposal.end],
        "score": proposal.score,
    }


def named_version(annotation: Annotation, version: int | None, if_match: str | None) -> int | None:
    """The version a change was made from: the body's `version`, else the If-Match ETag's, else None."""
    if version is not None:
        return version
    if if_match is None:
        return None
    if if_match.strip() == "*":
        return annotation.version
    match = ETAG_RE.match(if_match.strip())
    if not match or int(match.group(1)) != annotation.pk:
        raise ValidationError({"If-Match": "Send the ETag this annotation was served with, as it was."})
    return int(match.group(2))


def base_version(annotation: Annotation, version: int | None, if_match: str | None) -> int:
    """The version an edit was made from, which it must name: it could overwrite someone else's unseen."""
    named = named_version(annotation, version, if_match)
    if named is None:
        raise PreconditionRequired(
            "Say which version you changed: `version` in the body, or If-Match with the ETag you read."
        )
    return named


@router.patch(
    "/annotations/{annotation_id}",
    response=answers({200: AnnotationOut, 409: ConflictOut, 428: ErrorOut}),
    summary="Change an annotation made from a version you name (409 with the current state if it is stale)",
)
def annotation_update(
    request,
    response: HttpResponse,
    payload: AnnotationChange,
    annotation_id: int = AnnotationId,
    if_match: str | None = Header(None, alias="If-Match"),
):
    annotation = editable_annotation(request, annotation_id)
    version = base_version(annotation, payload.version, if_match)
    span_given = any(value is not None for value in (payload.start, payload.end, payload.exact))
    start = payload.start if payload.start is not None else annotation.start
    end = payload.end if payload.end is not None else annotation.end
    form = AnnotationEditForm(
        {
            "version": version,
            "kind": payload.kind or annotation.kind,
            "note": annotation.note if payload.note is None else payload.note,
            # The workbench's tags field: comma-separated, so a tag cannot hold a comma.
            "tags": ", ".join(annotation.tags if payload.tags is None else payload.tags),
            "start": start if span_given else "",
            "end": end if span_given else "",
        }
    )
    data = validated(form)
    changes = form.changes()
    if span_given:
        changes["exact"] = payload.exact if payload.exact is not None else annotation.article.text[start:end]
    update_annotation(annotation=annotation, user=request.auth, base_version=data["version"], **changes)
    return fresh(request, response, annotation.pk)


@router.delete(
    "/annotations/{annotation_id}", response=answers({204: None}), summary="Delete an annotation (kept in its history)"
)
def annotation_delete(request, annotation_id: int = AnnotationId):
    delete_annotation(annotation=editable_annotation(request, annotation_id), user=request.auth)
    return Status(204, None)


@router.post(
    "/annotations/{annotation_id}/submit",
    response=answers({200: AnnotationOut, 409: ConflictOut}),
    openapi_extra={
        "requestBody": {"required": False, "content": {"application/json": {"schema": SubmitIn.model_json_schema()}}}
    },
    summary=(
        "Hand a draft (or a reworked rejection) to the reviewers; `version` in an optional body, or If-Match, "
        "makes it from the version you read"
    ),
)
def annotation_submit(
    request,
    response: HttpResponse,
    annotation_id: int = AnnotationId,
    if_match: str | None = Header(None, alias="If-Match"),
):
    body = optional_body(request, SubmitIn)  # refused before any row is looked up
    annotation = editable_annotation(request, annotation_id)
    version = named_version(annotation, body.version, if_match)
    submit_annotation(annotation=annotation, user=request.auth, seen_version=version)
    return fresh(request, response, annotation.pk)


@router.post(
    "/annotations/{annotation_id}/withdraw",
    response=answers({200: AnnotationOut, 409: ConflictOut}),
    summary=(
        "Take back your submission before a reviewer decides (it is your draft again); If-Match makes it from "
        "the version you read; 409 with the current state if a reviewer decided first"
    ),
)
def annotation_withdraw(
    request,
    response: HttpResponse,
    annotation_id: int = AnnotationId,
    if_match: str | None = Header(None, alias="If-Match"),
):
    annotation = visible_annotation(request, annotation_id)
    seen_version = named_version(annotation, None, if_match)
    withdraw_annotation(annotation=annotation, user=request.auth, seen_version=seen_version)
    return fresh(request, response, annotation.pk)


@router.post(
    "/annotations/{annotation_id}/review",
    response=answers({200: AnnotationOut, 409: ConflictOut}),
    summary=(
        "Approve, reject (with a reason) or send back to draft, from the version you read (`version` or "
        "If-Match; without either, only while it is submitted); 409 with the current state if somebody "
        "decided first. Reviewers and managers only"
    ),
)
def annotation_review(
    request,
    response: HttpResponse,
    payload: ReviewIn,
    annotation_id: int = AnnotationId,
    if_match: str | None = Header(None, alias="If-Match"),
):
    annotation = visible_annotation(request, annotation_id)
    version = named_version(annotation, payload.version, if_match)
    form = ReviewForm(payload.model_dump(mode="json") | {"version": version})
    validated(form)
    review_annotation(annotation=annotation, user=request.auth, **form.review_args())
    return fresh(request, response, annotation.pk)


@router.get(
    "/annotations/{annotation_id}/comments", response=answers({200: list[CommentOut]}), summary="The discussion"
)
def comment_list(request, annotation_id: int = AnnotationId):
    return visible_annotation(request, annotation_id).comments.select_related("author")


@router.post(
    "/annotations/{annotation_id}/comments", response=answers({201: CommentOut}), summary="Add to the discussion"
)
def comment_create(request, payload: CommentIn, annotation_id: int = AnnotationId):
    annotation = visible_annotation(request, annotation_id)
    data = validated(CommentForm(payload.model_dump(mode="json")))
    return Status(201, add_comment(annotation=annotation, user=request.auth, body=data["body"]))


@router.post(
    "/annotations/{annotation_id}/links",
    response=answers({201: LinkOut}),
    summary="Link a source (an existing one, or one found or created by name) with its role",
)
def link_create(request, payload: LinkIn, annotation_id: int = AnnotationId):
    annotation = editable_annotation(request, annotation_id)
    project = annotation.article.project
    fields = payload.model_dump(mode="json")
    fields = {name: "" if value is None else value for name, value in fields.items()}
    if payload.source and (payload.new_source_name.strip() or payload.new_source_kind):
        # One of them would be dropped: the link is to the existing source.
        given = [name for name in ("new_source_name", "new_source_kind") if fields[name]]
        message = "Give an existing `source`, or a new source's name and kind, not both."
        raise ValidationError(dict.fromkeys(given, message))
    data = validated(LinkForm(fields, project=project))
    source = data["source"] or find_or_create_source(
        project=project, name=data["new_source_name"], kind=data["new_source_kind"], introduced_by=request.auth
    )
    link = link_source(annotation=annotation, source=source, role=data["role"], user=request.auth, note=data["note"])
    return Status(201, link_dicts(Link.objects.filter(pk=link.pk))[0])


@router.delete("/links/{link_id}", response=answers({204: None}), summary="Remove a source link")
def link_delete(request, link_id: int = Path(..., ge=1, le=MAX_ID)):
    link = get_object_or_404(Link.objects.select_related("source"), pk=link_id)
    link.annotation = editable_annotation(request, link.annotation_id)
    unlink_source(link=link, user=request.auth)
    return Status(204, None)
