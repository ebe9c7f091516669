"""Imports through the API: the import page's form, checks and background job, nothing else.

What the page refuses at once (an invalid form, files all refused at a glance, an upload over
IMPORT_MAX_UPLOAD_BYTES) is refused here at once with the same message; everything else is
a job for the background worker, which imports it with the command line's code. Follow the
job at its address until it is done; its outcomes list each article, duplicate and refusal.
"""

import json
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from ninja import File, Form, Path, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from apps.api.endpoints.common import answers
from apps.api.errors import error_body, validated
from apps.api.schemas import MAX_ID, ImportIn, ImportJobOut
from apps.imports.forms import ImportForm
from apps.imports.models import ImportJob
from apps.imports.tasks import restart_stale_jobs, start_import_job
from apps.imports.uploads import ImportUploadHandler, arrival_refusal
from apps.projects.models import Project

router = Router(tags=["imports"])

# The form fields of an upload besides its files.
UPLOAD_FIELDS = {"project", "text", "title", "url"}
# The name the articles of a JSON body are imported under, as if uploaded as this file.
BODY_FILE_NAME = "request.jsonl"


def job_out(job: ImportJob) -> ImportJob:
    job.outcomes = (
        list(job.listed_outcomes.only("label", "status", "message", "article_id", "job_id", "position"))
        if job.finished
        else None
    )
    return job


def start_import(request, *, project_id: int, text: str, title: str, url: str, files: list):
    """Validate as the import page does, and hand the import to the background worker."""
    user = request.auth
    if title.strip() and not text.strip():
        # Files and web pages bring their own titles: this one would be dropped.
        raise ValidationError({"title": "A title goes with pasted `text`; files and web pages keep their own."})
    project = get_object_or_404(Project.objects.visible_to(user), pk=project_id)
    form = ImportForm(
        {"project": project.pk, "text": text, "title": title, "url": url},
        MultiValueDict({"files": files}),
        user=user,
    )
    data = validated(form)
    if not user.has_perm("articles.add_article", data["project"]):
        raise PermissionDenied("Only members of the project can import into it.")
    refusals = [arrival_refusal(upload) for upload in data["files"]]
    if not (data["text"].strip() or data["url"]) and all(refusals):
        items = [
            ("files", f"{upload.name}: {refusal}") for upload, refusal in zip(data["files"], refusals, strict=True)
        ]
        message = f"Nothing to import: {len(items)} refused. " + " ".join(text for _, text in items)
        return Status(422, error_body(message, items))
    job = start_import_job(
        project=data["project"],
        user=user,
        uploads=data["files"],
        text=data["text"],
        title=data["title"],
        url=data["url"],
    )
    return job


def job_response(response, job: ImportJob):
    response["Location"] = reverse("api:v1:import_job", args=[job.pk])
    return Status(202, job_out(job))


@router.post(
    "/imports",
    response=answers({202: ImportJobOut}, 413),
    summary="Import pasted text, a web address or articles given as JSON objects",
)
def import_from_body(request, response: HttpResponse, payload: ImportIn):
    files = []
    if payload.articles:
        lines = "\n".join(json.dumps(article, ensure_ascii=False) for article in payload.articles)
        files.append(ContentFile(lines.encode(), name=BODY_FILE_NAME))
    started = start_import(
        request, project_id=payload.project, text=payload.text, title=payload.title, url=payload.url, files=files
    )
    return started if isinstance(started, Status) else job_response(response, started)


def streamed_to_import_folder(run):
    """Put the import page's upload handler in place before anything reads the body.

    Files then stream to the import folder as they arrive, never whole into memory, and an
    upload over IMPORT_MAX_UPLOAD_BYTES is stopped (see ImportUploadHandler).
    """

    @wraps(run)
    def with_upload_handler(request, *args, **kwargs):
        handler = ImportUploadHandler(request)
        request.upload_handlers = [handler]
        request.import_upload_handler = handler
        return run(request, *args, **kwargs)

    return with_upload_handler


@router.post(
    "/imports/upload",
    response=answers({202: ImportJobOut}, 413),
    summary="Import uploaded files (.txt, .md, .html, .json, .jsonl), as the import page does",
)
@decorate_view(streamed_to_import_folder)
def import_upload(
    request,
    response: HttpResponse,
    project: int = Form(..., ge=1, le=MAX_ID),
    text: str = Form(""),
    title: str = Form(""),
    url: str = Form(""),
    files: File[list[UploadedFile]] = None,
):
    handler = request.import_upload_handler
    if handler.refusal:
        return Status(413, error_body(handler.refusal))
    unknown = (set(request.POST) - UPLOAD_FIELDS) | (set(request.FILES) - {"files"})
    if unknown:
        fields = ", ".join(sorted(UPLOAD_FIELDS | {"files"}))
        message = f"This request has no such field, so nothing was imported; it takes {fields}."
        raise ValidationError(dict.fromkeys(sorted(unknown), message))
    started = start_import(request, project_id=project, text=text, title=title, url=url, files=files or [])
    return started if isinstance(started, Status) else job_response(response, started)


@router.get("/imports/{job_id}", response=answers({200: ImportJobOut}), url_name="import_job", summary="An import job")
def import_job(request, job_id: int = Path(..., ge=1, le=MAX_ID)):
    job = get_object_or_404(ImportJob.objects.visible_to(request.auth), pk=job_id)
    if job.state == ImportJob.State.RUNNING:
        # As on the job's page: whoever follows a job whose worker died sees it resumed.
        restart_stale_jobs(ImportJob.objects.filter(pk=job.pk))
        job.refresh_from_db()
    return job_out(job)
