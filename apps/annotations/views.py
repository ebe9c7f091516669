from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.annotations.forms import AnnotationCreateForm, AnnotationEditForm, LinkForm
from apps.annotations.models import Annotation, Link
from apps.annotations.rendering import blocks_html, render_blocks, spans
from apps.annotations.services import (
    EditConflict,
    create_annotation,
    delete_annotation,
    link_source,
    may_edit,
    restore_annotation,
    unlink_source,
    update_annotation,
)
from apps.articles.models import Article
from apps.projects.models import Membership
from apps.sources.models import Source
from apps.sources.services import find_or_create_source

PANEL = "annotations/annotation_panel.html"


def error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def role_in(project_id, user) -> str | None:
    return Membership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True).first()


def editable_annotation(request, pk, *, include_deleted=False) -> tuple[Annotation, str | None]:
    """The annotation if the user may edit it; 404 when they may not even see it, 403 when only seeing."""
    annotations = Annotation.objects.visible_to(request.user).select_related("article", "created_by", "updated_by")
    if not include_deleted:
        annotations = annotations.live()
    annotation = get_object_or_404(annotations, pk=pk)
    role = role_in(annotation.article.project_id, request.user)
    if not may_edit(annotation, request.user, role):
        raise PermissionDenied("Only the author, a reviewer or a manager can change this annotation.")
    return annotation, role


def changed_blocks(article, span: tuple[int, int]):
    """Re-render only the text blocks a change touched; htmx swaps them in out of band."""
    start, end = span
    blocks = [b for b in article.blocks() if b.start < end and b.end > start]
    if not blocks:
        return ""
    overlapping = article.annotations.live().filter(start__lt=blocks[-1].end, end__gt=blocks[0].start)
    rendered = render_blocks(article, spans(overlapping), blocks)
    return blocks_html(rendered, out_of_band=True)


def changed_response(request, article, span, event: str, **context):
    context["changed_blocks"] = changed_blocks(article, span)
    response = render(request, "annotations/annotation_changed.html", {"article": article, **context})
    return trigger_client_event(response, event)


@login_required
@require_POST
def annotation_create(request, article_pk):
    article = get_object_or_404(
        Article.objects.visible_to(request.user).only("pk", "project_id", "text", "headings"), pk=article_pk
    )
    form = AnnotationCreateForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "annotations/annotation_changed.html",
            {"error": " ".join(m for ms in form.errors.values() for m in ms)},
        )
    try:
        annotation = create_annotation(article=article, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        return render(request, "annotations/annotation_changed.html", {"error": error_message(error)})
    if not request.htmx:
        return redirect(article)
    return changed_response(
        request, article, (annotation.start, annotation.end), "annotation-created", created=annotation
    )


def panel_context(annotation, role, user, **extra):
    return {
        "annotation": annotation,
        "article": annotation.article,
        "may_edit": may_edit(annotation, user, role),
        "links": annotation.links.select_related("source"),
        "events": annotation.events.select_related("actor")[:10],
        "form": extra.pop("form", None)
        or AnnotationEditForm(
            initial={
                "version": annotation.version,
                "kind": annotation.kind,
                "status": annotation.status,
                "note": annotation.note,
                "tags": annotation.tags,
            }
        ),
        "link_form": extra.pop("link_form", None)
        or LinkForm(project=annotation.article.project, initial={"role": annotation.speaker_role}),
        **extra,
    }


@login_required
@require_GET
def annotation_panel(request, pk):
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).live().select_related("article__project", "created_by"), pk=pk
    )
    role = role_in(annotation.article.project_id, request.user)
    return render(request, PANEL, panel_context(annotation, role, request.user))


@login_required
@require_POST
def annotation_update(request, pk):
    annotation, role = editable_annotation(request, pk)
    form = AnnotationEditForm(request.POST)
    if not form.is_valid():
        return render(request, PANEL, panel_context(annotation, role, request.user, form=form))
    old_span = (annotation.start, annotation.end)
    try:
        update_annotation(
            annotation=annotation, user=request.user, base_version=form.cleaned_data["version"], **form.changes()
        )
    except EditConflict as conflict:
        context = panel_context(conflict.current, role, request.user, conflict=conflict, mine=form.cleaned_data)
        return render(request, PANEL, context)
    except ValidationError as error:
        annotation.refresh_from_db()
        return render(request, PANEL, panel_context(annotation, role, request.user, error=error_message(error)))
    span = (min(old_span[0], annotation.start), max(old_span[1], annotation.end))
    context = panel_context(
        annotation, role, request.user, saved=True, changed_blocks=changed_blocks(annotation.article, span)
    )
    return trigger_client_event(render(request, PANEL, context), "annotation-changed")


@login_required
@require_POST
def annotation_delete(request, pk):
    annotation, _ = editable_annotation(request, pk)
    delete_annotation(annotation=annotation, user=request.user)
    if not request.htmx:
        return redirect(annotation.article)
    return changed_response(
        request, annotation.article, (annotation.start, annotation.end), "annotation-changed", deleted=annotation
    )


@login_required
@require_POST
def annotation_restore(request, pk):
    annotation, _ = editable_annotation(request, pk, include_deleted=True)
    if annotation.deleted_at is not None:
        restore_annotation(annotation=annotation, user=request.user)
    if not request.htmx:
        return redirect(annotation.article)
    return changed_response(
        request, annotation.article, (annotation.start, annotation.end), "annotation-changed", restored=annotation
    )


@login_required
@require_POST
def link_create(request, pk):
    annotation, role = editable_annotation(request, pk)
    project = annotation.article.project
    form = LinkForm(request.POST, project=project)
    if form.is_valid():
        data = form.cleaned_data
        source = data["source"] or find_or_create_source(
            project=project, name=data["new_source_name"], kind=data["new_source_kind"]
        )
        link_source(annotation=annotation, source=source, role=data["role"], user=request.user, note=data["note"])
        form = None
    return trigger_client_event(
        render(request, PANEL, panel_context(annotation, role, request.user, link_form=form)), "annotation-changed"
    )


@login_required
@require_POST
def link_delete(request, pk):
    link = get_object_or_404(Link.objects.select_related("annotation", "source"), pk=pk)
    annotation, role = editable_annotation(request, link.annotation_id)
    unlink_source(link=link, user=request.user)
    return trigger_client_event(
        render(request, PANEL, panel_context(annotation, role, request.user)), "annotation-changed"
    )


@login_required
@require_GET
def source_search(request, article_pk):
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk", "project_id"), pk=article_pk)
    sources = Source.objects.in_project(article.project_id).matching(request.GET.get("q", ""))[:15]
    return render(request, "annotations/source_options.html", {"sources": sources})
