from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.annotations.forms import (
    AnnotationCreateForm,
    AnnotationEditForm,
    CommentForm,
    DraftsSubmitForm,
    LinkForm,
    ReviewForm,
    SubmitForm,
)
from apps.annotations.models import Annotation, Comment, CommentRead, Link
from apps.annotations.rendering import (
    annotation_list_html,
    blocks_html,
    listed,
    overlapping_spans,
    render_blocks,
)
from apps.annotations.sections import ARTICLE_SECTIONS, PANEL_SECTIONS, rendered
from apps.annotations.services import (
    BACK_TO_DRAFT,
    NOT_YOURS,
    DraftsChanged,
    DuplicateAnnotation,
    EditConflict,
    StatusConflict,
    add_comment,
    create_annotation,
    delete_annotation,
    link_source,
    mark_thread_read,
    restore_annotation,
    review_annotation,
    submit_annotation,
    submit_drafts,
    unlink_source,
    update_annotation,
    user_drafts,
    withdraw_annotation,
)
from apps.articles.models import Article
from apps.projects.permissions import deciding_own_work
from apps.sources.models import Source
from apps.sources.services import find_or_create_source

PANEL = "annotations/annotation_panel.html"
CHANGED = "annotations/annotation_changed.html"


def error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def form_errors(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


def visible_annotation(request, pk, *, include_deleted=False) -> Annotation:
    """The annotation if the user may see it; 404 otherwise, so that other projects stay unseen."""
    annotations = Annotation.objects.visible_to(request.user).select_related(
        "article__project", "created_by", "updated_by"
    )
    if not include_deleted:
        annotations = annotations.live()
    return get_object_or_404(annotations, pk=pk)


def editable_annotation(request, pk, *, include_deleted=False) -> Annotation:
    """The annotation if the user may change it: 404 when they may not even see it, 403 when only seeing."""
    annotation = visible_annotation(request, pk, include_deleted=include_deleted)
    if not request.user.has_perm("annotations.change_annotation", annotation):
        raise PermissionDenied(NOT_YOURS)
    return annotation


def changed_blocks(request, article, span: tuple[int, int]):
    """Re-render only the text blocks a change touched; htmx swaps them in out of band."""
    start, end = span
    blocks = [b for b in article.blocks() if b.start < end and b.end > start]
    if not blocks:
        return ""
    overlapping = overlapping_spans(article, request.user, blocks[0].start, blocks[-1].end)
    rendered = render_blocks(article, overlapping, blocks, viewer_id=request.user.pk)
    return blocks_html(rendered, out_of_band=True)


def changed_response(request, article, span, event: str, *, detail: dict | None = None, **context):
    context["changed_blocks"] = changed_blocks(request, article, span)
    response = render(request, CHANGED, {"article": article, **context})
    return trigger_client_event(response, event, detail)


def annotation_filters(request) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in ("kind", "status", "author")}


@login_required
@require_GET
def workbench(request, article_pk):
    articles = (
        Article.objects.visible_to(request.user)
        .select_related("publisher", "story")
        .defer("original", "search", "names")
        .annotate(replaced=Exists(Article.objects.filter(replaces=OuterRef("pk"))))
    )
    article = get_object_or_404(articles, pk=article_pk)
    filters = annotation_filters(request)
    # The article is the user's to see; blind mode may still hide other analysts' annotations.
    annotations = listed(article.annotations.live().open_to(request.user))
    # Read once: request.user is a lazy object, and each read through it cost microseconds,
    # milliseconds over 500 annotations.
    user_id = request.user.pk
    shown = [
        a
        for a in annotations
        if (not filters["kind"] or a.kind == filters["kind"])
        and (not filters["status"] or a.status == filters["status"])
        and (not filters["author"] or str(a.author_id) == filters["author"])
    ]
    my_drafts = sum(a.author_id == user_id and a.status == Annotation.Status.DRAFT for a in annotations)
    context = {
        "article": article,
        "annotation_count": len(shown),
        "annotation_items": annotation_list_html(shown),
        "filters": filters,
        "authors": sorted({(a.author_id, a.author) for a in annotations}, key=lambda author: author[1]),
        "my_drafts": my_drafts,
        "drafts_question": drafts_question(my_drafts),
        "kinds": Annotation.Kind.choices,
        "statuses": Annotation.Status.choices,
    }
    template_name = "annotations/workbench.html"
    if request.htmx and request.htmx.target == "annotation-list":
        return render(request, template_name + "#annotation-list", context)
    context["text_html"] = blocks_html(render_blocks(article, annotations, viewer_id=user_id))
    context["suggestions"] = article.related_suggestions()
    context["article_sections"] = rendered(ARTICLE_SECTIONS, request, article)
    # Versions are read only for an article that has more than one (one more query).
    context["versions"] = article.version_chain() if article.replaces_id or article.replaced else []
    return render(request, template_name, context)


@login_required
@require_POST
def annotation_create(request, article_pk):
    article = get_object_or_404(
        Article.objects.visible_to(request.user).only("pk", "project_id", "text", "headings"), pk=article_pk
    )
    form = AnnotationCreateForm(request.POST)
    if not form.is_valid():
        return render(request, CHANGED, {"error": form_errors(form)}, status=422)
    try:
        annotation = create_annotation(article=article, user=request.user, **form.cleaned_data)
    except DuplicateAnnotation as error:
        return render(request, CHANGED, {"error": error_message(error)}, status=409)
    except ValidationError as error:
        return render(request, CHANGED, {"error": error_message(error)}, status=422)
    if not request.htmx:
        return redirect(article)
    # The page opens the new annotation's panel from the event (its speaker or claimant comes next).
    span = (annotation.start, annotation.end)
    return changed_response(
        request, article, span, "annotation-created", detail={"id": annotation.pk}, created=annotation
    )


def read_thread(user, annotation) -> tuple[list, int]:
    """The annotation's comments, each marked `is_new` if the user had not read it, and how many
    are new; showing them is reading them. Two queries, and a write when it is new to the user."""
    read_at = timezone.now()
    last_read = CommentRead.objects.filter(user=user, annotation=annotation).values_list("read_at", flat=True).first()
    comments = list(annotation.comments.select_related("author"))
    for comment in comments:
        comment.is_new = comment.author_id != user.pk and (last_read is None or comment.created_at > last_read)
    unread = sum(comment.is_new for comment in comments)
    # Opening a thread read before, with nothing new in it since, changes nothing worth a write.
    if last_read is None or unread:
        mark_thread_read(annotation=annotation, user=user, at=read_at)
    return comments, unread


def panel_context(request, annotation, **extra):
    user = request.user
    comments, unread = read_thread(user, annotation)
    return {
        "annotation": annotation,
        "article": annotation.article,
        "may_edit": user.has_perm("annotations.change_annotation", annotation),
        "may_review": user.has_perm("annotations.review_annotation", annotation),
        "may_withdraw": user.has_perm("annotations.withdraw_annotation", annotation),
        "own_work": deciding_own_work(user, annotation),
        "links": annotation.links.select_related("source"),
        "events": annotation.events.select_related("actor")[:10],
        "comments": comments,
        "unread_count": unread,
        # Its reason heads the discussion, also once the annotation was reworked and handed in again.
        "rejection": annotation.rejection(),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "form": extra.pop("form", None)
        or AnnotationEditForm(
            initial={
                "version": annotation.version,
                "kind": annotation.kind,
                "note": annotation.note,
                "tags": annotation.tags,
            }
        ),
        "link_form": extra.pop("link_form", None)
        or LinkForm(project=annotation.article.project, initial={"role": annotation.speaker_role}),
        "review_form": extra.pop("review_form", None) or ReviewForm(initial={"version": annotation.version}),
        "sections": rendered(PANEL_SECTIONS, request, annotation),
        **extra,
    }


def own_rejection(user, annotation) -> bool:
    """Whether the annotation is one of the user's rejections waiting for their rework, which the
    header counts (see context_processors.py)."""
    return (
        annotation.created_by_id == user.pk
        and annotation.status == Annotation.Status.REJECTED
        and annotation.deleted_at is None
    )


def panel(
    request,
    annotation,
    *,
    status=200,
    event: str | None = None,
    rejected_before: bool = False,
    read_before: bool = False,
    **extra,
):
    """The annotation's side panel; with the header's count of what waits for the user (out of
    band) when showing it read new comments (or the view did, `read_before`), or the change
    made or ended a rejection of theirs (`rejected_before`: whether it was one)."""
    context = panel_context(request, annotation, **extra)
    context["count_changed"] = (
        read_before or bool(context["unread_count"]) or rejected_before != own_rejection(request.user, annotation)
    )
    response = render(request, PANEL, context, status=status)
    return trigger_client_event(response, event) if event else response


@login_required
@require_GET
def annotation_panel(request, pk):
    return panel(request, visible_annotation(request, pk))


@login_required
@require_POST
def annotation_update(request, pk):
    annotation = editable_annotation(request, pk)
    form = AnnotationEditForm(request.POST)
    if not form.is_valid():
        return panel(request, annotation, form=form, status=422)
    old_span = (annotation.start, annotation.end)
    rejected_before = own_rejection(request.user, annotation)
    try:
        update_annotation(
            annotation=annotation, user=request.user, base_version=form.cleaned_data["version"], **form.changes()
        )
    except EditConflict as conflict:
        return panel(request, conflict.current, conflict=conflict, mine=form.cleaned_data, status=409)
    except ValidationError as error:
        annotation.refresh_from_db()
        status = 409 if isinstance(error, DuplicateAnnotation) else 422
        return panel(request, annotation, error=error_message(error), status=status)
    span = (min(old_span[0], annotation.start), max(old_span[1], annotation.end))
    blocks = changed_blocks(request, annotation.article, span)
    return panel(
        request,
        annotation,
        saved="Saved.",
        changed_blocks=blocks,
        event="annotation-changed",
        rejected_before=rejected_before,
    )


@login_required
@require_POST
def annotation_submit(request, pk):
    """Submit the annotation from the version its panel showed (the edit form's, sent along)."""
    annotation = editable_annotation(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return panel(request, annotation, error=form_errors(form), status=422)
    rejected_before = own_rejection(request.user, annotation)
    try:
        submit_annotation(annotation=annotation, user=request.user, seen_version=form.cleaned_data["version"])
    except StatusConflict as conflict:
        return panel(request, conflict.current, error=str(conflict), status=409)
    return panel(
        request, annotation, saved="Submitted for review.", event="annotation-changed", rejected_before=rejected_before
    )


def drafts_question(count: int) -> str:
    return (
        f"Submit your {count} draft{'s' if count != 1 else ''} of this article for review? "
        "Reviewers then decide on them; you can withdraw one until a reviewer has."
    )


@login_required
@require_POST
def drafts_submit(request, article_pk):
    """Submit all of the user's drafts in the article at once, once they confirmed how many.

    The button asks first (hx-confirm, with the count); without script, a POST without the
    confirmed count answers a page that asks. Drafts made or submitted elsewhere since the
    question was asked make it ask again with the new count (409).
    """
    article = get_object_or_404(
        Article.objects.visible_to(request.user).only("pk", "project_id", "title"), pk=article_pk
    )
    form = DraftsSubmitForm(request.POST)
    if not form.is_valid():
        return render(request, CHANGED, {"error": form_errors(form)}, status=422)
    confirmed = form.cleaned_data["confirmed"]
    if confirmed is None:
        count = user_drafts(article=article, user=request.user).count()
        if count:
            return drafts_confirmation(request, article, count)
        submitted = []
    else:
        try:
            submitted = submit_drafts(article=article, user=request.user, expected=confirmed)
        except DraftsChanged as changed:
            if not changed.count:
                submitted = []
            else:
                again = f"You have {changed.count} drafts here now, not {confirmed}; nothing was submitted yet."
                return drafts_confirmation(request, article, changed.count, error=again, status=409)
    message = f"{len(submitted)} draft(s) submitted for review." if submitted else "You have no drafts here."
    if not request.htmx:
        messages.success(request, message)
        return redirect(article)
    response = render(request, CHANGED, {"article": article, "notice": message})
    return trigger_client_event(response, "annotation-changed")


def drafts_confirmation(request, article, count: int, *, error: str = "", status: int = 200):
    """The question before submitting all drafts: a page of its own, or its form in the messages."""
    template = "annotations/drafts_submit_confirm.html"
    if request.htmx:
        template += "#confirm-drafts"
    context = {"article": article, "count": count, "question": drafts_question(count), "error": error}
    return render(request, template, context, status=status)


@login_required
@require_POST
def annotation_withdraw(request, pk):
    """Take back a submission no reviewer decided on yet, from the version the panel showed."""
    annotation = visible_annotation(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return panel(request, annotation, error=form_errors(form), status=422)
    try:
        withdraw_annotation(annotation=annotation, user=request.user, seen_version=form.cleaned_data["version"])
    except StatusConflict as conflict:
        if not request.htmx:
            messages.error(request, str(conflict))
            return redirect(f"{annotation.article.get_absolute_url()}?annotation={annotation.pk}")
        return panel(request, conflict.current, error=str(conflict), status=409)
    saved = "Withdrawn: it is your draft again."
    if not request.htmx:
        messages.success(request, saved)
        return redirect(f"{annotation.article.get_absolute_url()}?annotation={annotation.pk}")
    return panel(request, annotation, saved=saved, event="annotation-changed")


@login_required
@require_GET
def unread_total(request):
    """The header's count of what waits for the user, counted again (see unread_total.html)."""
    return render(request, "annotations/unread_total.html")


@login_required
@require_GET
def unread_replies(request):
    """The user's rejected annotations waiting for their rework, and the threads with comments new
    to them: what the header counts (see annotations/context_processors.py)."""
    unread = Comment.objects.unread_in_threads_of(request.user)
    threads = (
        Annotation.objects.filter(pk__in=unread.values("annotation"))
        .with_unread_count(request.user)
        .select_related("article", "created_by")
        .order_by("-unread", "-updated_at")[:200]
    )
    rejected = (
        Annotation.objects.rejected_for(request.user)
        .with_rejection()
        .select_related("article")
        .order_by("-updated_at", "-pk")[:200]
    )
    return render(request, "annotations/unread_replies.html", {"threads": threads, "rejected": rejected})


# What My work shows of each status of the user's annotations; the annotation list has them all.
MY_WORK_PER_STATUS = 20
MY_WORK_MAX_ROWS = 200
# What a row of My work reads: never the article's text.
LISTED_FIELDS = (
    "kind",
    "status",
    "exact",
    "prefix",
    "suffix",
    "tags",
    "created_at",
    "updated_at",
    "created_by",
    "article",
    "article__title",
    "article__project_id",
)


@login_required
@require_GET
def my_work(request):
    """The user's own annotations by status, the rejected first with their reasons, and the
    discussions waiting for their reply; the same few queries whatever their number."""
    user = request.user
    mine = Annotation.objects.own_work_of(user).select_related("article")
    counts = dict(mine.order_by().values_list("status").annotate(count=Count("pk")))
    rejected = list(
        mine.filter(status=Annotation.Status.REJECTED).with_rejection().only(*LISTED_FIELDS)[:MY_WORK_MAX_ROWS]
    )
    # The latest of each other status, in one query.
    latest = (
        mine.exclude(status=Annotation.Status.REJECTED)
        .only(*LISTED_FIELDS)
        .annotate(row=Window(RowNumber(), partition_by=F("status"), order_by=[F("updated_at").desc(), F("pk").desc()]))
        .filter(row__lte=MY_WORK_PER_STATUS)
    )
    by_status = {}
    for annotation in latest:
        by_status.setdefault(annotation.status, []).append(annotation)
    discussions = list(
        Annotation.objects.awaiting_reply_from(user)
        .with_unread_count(user)
        .select_related("article", "created_by")
        .only(*LISTED_FIELDS, "created_by__username")[:MY_WORK_MAX_ROWS]
    )
    all_listed = reverse("search:annotations")
    sections = [
        {
            "status": status,
            "label": label,
            "count": counts.get(status, 0),
            "annotations": by_status.get(status, []),
            "all_url": f"{all_listed}?{urlencode({'author': user.get_username(), 'status': status})}",
        }
        for status, label in Annotation.Status.choices
        if status != Annotation.Status.REJECTED
    ]
    context = {
        "rejected": rejected,
        "rejected_count": counts.get(Annotation.Status.REJECTED, 0),
        "discussions": discussions,
        "sections": sections,
        "total": sum(counts.values()),
    }
    return render(request, "annotations/my_work.html", context)


@login_required
@require_POST
def annotation_review(request, pk):
    """Decide from the version the panel showed; whoever decided first wins, the others see what
    it is now (409) and may decide again on that."""
    annotation = visible_annotation(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return panel(request, annotation, review_form=form, status=422)
    rejected_before = own_rejection(request.user, annotation)  # a project that allows self-review
    try:
        changed = review_annotation(annotation=annotation, user=request.user, **form.review_args())
    except StatusConflict as conflict:
        current = conflict.current
        again = ReviewForm(initial={"version": current.version, "reason": form.cleaned_data["reason"]})
        return panel(request, current, review_form=again, error=str(conflict), status=409)
    except ValidationError as error:
        return panel(request, annotation, review_form=form, error=error_message(error), status=422)
    status = "sent back to draft" if annotation.status == Annotation.Status.DRAFT else annotation.get_status_display()
    message = f"{status.capitalize()}." if changed else f"It was {status.lower()} already."
    return panel(request, annotation, saved=message, event="annotation-changed", rejected_before=rejected_before)


@login_required
@require_POST
def comment_create(request, pk):
    annotation = visible_annotation(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return panel(request, annotation, comment_form=form, status=422)
    # Writing in a discussion reads it: what others wrote there since is no longer new.
    had_unread = annotation.comments.unread_by(request.user).exists()
    add_comment(annotation=annotation, user=request.user, body=form.cleaned_data["body"])
    return panel(request, annotation, event="annotation-changed", read_before=had_unread)


@login_required
@require_POST
def annotation_delete(request, pk):
    annotation = editable_annotation(request, pk)
    rejected_before = own_rejection(request.user, annotation)
    delete_annotation(annotation=annotation, user=request.user)
    if not request.htmx:
        return redirect(annotation.article)
    return changed_response(
        request,
        annotation.article,
        (annotation.start, annotation.end),
        "annotation-changed",
        deleted=annotation,
        count_changed=rejected_before,
    )


@login_required
@require_POST
def annotation_restore(request, pk):
    annotation = editable_annotation(request, pk, include_deleted=True)
    restored = annotation.deleted_at is not None
    if restored:
        try:
            restore_annotation(annotation=annotation, user=request.user)
        except DuplicateAnnotation as error:
            return render(request, CHANGED, {"error": error_message(error)}, status=409)
    if not request.htmx:
        return redirect(annotation.article)
    return changed_response(
        request,
        annotation.article,
        (annotation.start, annotation.end),
        "annotation-changed",
        restored=annotation,
        count_changed=restored and own_rejection(request.user, annotation),
    )


@login_required
@require_POST
def link_create(request, pk):
    annotation = editable_annotation(request, pk)
    project = annotation.article.project
    form = LinkForm(request.POST, project=project)
    if not form.is_valid():
        return panel(request, annotation, link_form=form, status=422)
    data = form.cleaned_data
    source = data["source"] or find_or_create_source(
        project=project, name=data["new_source_name"], kind=data["new_source_kind"], introduced_by=request.user
    )
    status, rejected_before = annotation.status, own_rejection(request.user, annotation)
    try:
        link_source(annotation=annotation, source=source, role=data["role"], user=request.user, note=data["note"])
    except ValidationError as error:
        return panel(request, annotation, link_form=form, error=error_message(error), status=422)
    return panel(
        request,
        annotation,
        event="annotation-changed",
        rejected_before=rejected_before,
        **links_saved(status, annotation),
    )


@login_required
@require_POST
def link_delete(request, pk):
    link = get_object_or_404(Link.objects.select_related("source"), pk=pk)
    annotation = editable_annotation(request, link.annotation_id)
    link.annotation = annotation
    status, rejected_before = annotation.status, own_rejection(request.user, annotation)
    unlink_source(link=link, user=request.user)
    return panel(
        request,
        annotation,
        event="annotation-changed",
        rejected_before=rejected_before,
        **links_saved(status, annotation),
    )


def links_saved(status: str, annotation) -> dict:
    """The panel's word on a change of links that sent the annotation back to draft."""
    return {"saved": BACK_TO_DRAFT} if annotation.status != status else {}


@login_required
@require_GET
def source_search(request, article_pk):
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk", "project_id"), pk=article_pk)
    # PostgreSQL text cannot hold NUL; a typed query never has one.
    query = request.GET.get("q", "").replace("\x00", "")
    sources = Source.objects.in_project(article.project_id).open_to(request.user).matching(query)[:15]
    # Without a match, the typed name is offered as a new source (the panel's form creates it).
    new_name = " ".join(query.split())
    return render(request, "annotations/source_options.html", {"sources": sources, "new_name": new_name})
