from dataclasses import replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from apps.annotations.models import Annotation
from apps.articles.models import Article, Story
from apps.exports.formats import FORMATS, export_chunks
from apps.exports.models import ExportJob
from apps.exports.rows import Selection
from apps.exports.services import (
    EVERY_STATUS,
    STATUS_CHOICES,
    chosen_status,
    claim_parameter,
    export_context,
    export_dir,
    export_file_name,
    export_title,
    filters_form,
    format_summaries,
    job_selection,
    page_path,
    why_empty,
)
from apps.exports.tasks import restart_if_stale, start_export_job
from apps.projects.models import Project

PERMISSION = "exports.export_project"


@login_required
@require_http_methods(["GET", "POST"])
def project_export(request, project_pk, format_name=None):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_pk)
    return export_response(request, project, format_name)


@login_required
@require_http_methods(["GET", "POST"])
def story_export(request, story_pk, format_name=None):
    story = get_object_or_404(Story.objects.visible_to(request.user).select_related("project"), pk=story_pk)
    return export_response(request, story.project, format_name, story_id=story.pk)


@login_required
@require_http_methods(["GET", "POST"])
def article_export(request, article_pk, format_name=None):
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project").only("pk", "project"), pk=article_pk
    )
    return export_response(request, article.project, format_name, article_id=article.pk)


def export_response(request, project, format_name: str | None, **scope):
    """Stream a small export at once; a large one asks to be run in the background (POST), then runs there.

    Without a format, the page that says what each format holds; an export that would hold
    nothing is that page too, saying why (422), rather than an empty file.
    """
    fmt = FORMATS.get(format_name) if format_name else None
    if format_name and fmt is None:
        raise Http404(f"There is no export format “{format_name}”; choose one of {', '.join(FORMATS)}.")
    if not request.user.has_perm(PERMISSION, project):
        raise PermissionDenied("Only members of the project can export its annotations.")
    asked = request.GET.get("status", "")
    if asked and asked not in STATUS_CHOICES:
        return HttpResponseBadRequest(f"“status” must be one of {', '.join(STATUS_CHOICES)}.")
    analyst = request.GET.get("analyst", "").replace("\x00", "").strip()[:150]
    # The annotation list's filters, which its export links carry.
    filters = filters_form(request.GET)
    if not filters.is_valid():
        return HttpResponseBadRequest(f"These filters cannot be read: {filters.error_text()}")
    try:
        claim = claim_parameter(request.GET)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    selection = Selection(
        project.pk, analyst=analyst, filters=filters.filters, viewer=request.user, claim=claim, **scope
    )
    if fmt is None:
        return export_page(request, project, selection, asked)
    selection = replace(selection, status=chosen_status(fmt, asked))
    if not fmt.annotations(selection).exists():
        refusal = why_empty(fmt, selection, project)
        return export_page(request, project, selection, asked, refusal=refusal, status=422)
    base_url = settings.SITE_URL
    if request.method == "POST":
        job = start_export_job(fmt=fmt, selection=selection, user=request.user, base_url=base_url)
        return redirect(job)
    total = fmt.annotations(selection).count()
    if total > settings.EXPORT_STREAM_MAX_ANNOTATIONS:
        context = {"project": project, "format": fmt, "total": total, "title": export_title(project, selection)}
        return render(request, "exports/export_large.html", context)
    context = export_context(fmt, selection, base_url=base_url, title=export_title(project, selection))
    response = StreamingHttpResponse(export_chunks(fmt, selection, context), content_type=fmt.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export_file_name(project, fmt, selection))
    return response


def export_page(request, project, selection: Selection, asked: str, *, refusal: str = "", status: int = 200):
    """What each format holds of the selection, with its status and analyst to choose."""
    every = replace(selection, status="", analyst="")
    context = {
        "title": export_title(project, every),
        "page_url": page_path(selection),
        "refusal": refusal,
        "summaries": format_summaries(selection, project, asked),
        "asked": asked,
        "analyst": selection.analyst,
        "analysts": every.analysts(),
        "statuses": Annotation.Status.choices,
        "every_status": EVERY_STATUS,
        "filters": selection.parameters(),
        "narrowed": selection.described(),
    }
    return render(request, "exports/export_page.html", context, status=status)


def visible_job(request, pk) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.visible_to(request.user).select_related("project"), pk=pk)
    if not request.user.has_perm(PERMISSION, job.project):
        raise PermissionDenied("Only members of the project can export its annotations.")
    return job


@login_required
@require_GET
def export_job(request, pk):
    job = visible_job(request, pk)
    if job.state == ExportJob.State.RUNNING:
        restart_if_stale(job)
        job.refresh_from_db()
    template_name = "exports/exportjob_detail.html" + ("#job-progress" if request.htmx else "")
    context = {"job": job, "format": FORMATS[job.format], "title": export_title(job.project, job_selection(job))}
    return render(request, template_name, context)


@login_required
@require_GET
def export_job_file(request, pk):
    job = visible_job(request, pk)
    if job.state != ExportJob.State.DONE:
        raise Http404("This export is not ready (or failed); its page says how far it got.")
    path = export_dir() / job.file_name
    if not path.is_file():
        raise Http404("This export's file is gone; start the export again.")
    fmt = FORMATS[job.format]
    name = export_file_name(job.project, fmt, job_selection(job))
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=fmt.content_type)
