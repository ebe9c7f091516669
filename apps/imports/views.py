from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from apps.imports.forms import ImportForm
from apps.imports.models import ImportJob, Outcome
from apps.imports.tasks import restart_stale_jobs, start_import_job
from apps.imports.uploads import ImportUploadHandler, arrival_refusal

IMPORT_PAGE = "imports/import_new.html"
OUTCOMES_PER_PAGE = 100


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    """The import page. What it is given is imported by the background worker (see tasks.py).

    Uploads are written to the import folder as they stream in, so the upload handler must be
    in place before anything reads the body, the CSRF check included: that comes next.
    """
    handler = ImportUploadHandler(request)
    request.upload_handlers = [handler]
    return import_form(request, handler)


@csrf_protect
def import_form(request, handler: ImportUploadHandler):
    template_name = IMPORT_PAGE + ("#import-panel" if request.htmx else "")
    fields, files = request.POST, request.FILES  # the upload is read here
    if handler.refusal:
        form = ImportForm(user=request.user, initial={"project": fields.get("project")})
        return render(request, template_name, {"form": form, "upload_refusal": handler.refusal}, status=413)
    form = ImportForm(fields or None, files or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.user.has_perm("articles.add_article", data["project"]):
            raise PermissionDenied("Only members of the project can import into it.")
        refusals = [arrival_refusal(upload) for upload in data["files"]]
        if not (data["text"].strip() or data["url"]) and all(refusals):
            # Nothing to import: answered at once, like an invalid form, file by file.
            outcomes = [
                {"label": upload.name, "status": Outcome.REFUSED, "message": refusal}
                for upload, refusal in zip(data["files"], refusals, strict=True)
            ]
            context = {"form": form, "outcomes": outcomes, "summary": {Outcome.REFUSED: len(outcomes)}}
            return render(request, template_name, context, status=422)
        job = start_import_job(
            project=data["project"],
            user=request.user,
            uploads=data["files"],
            text=data["text"],
            title=data["title"],
            url=data["url"],
        )
        if request.htmx:
            return HttpResponseClientRedirect(job.get_absolute_url())
        return redirect(job)
    return render(request, template_name, {"form": form}, status=422 if form.errors else 200)


@login_required
@require_GET
def import_job(request, pk):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("project"), pk=pk)
    if job.state == ImportJob.State.RUNNING:
        # Whoever follows a job whose worker died sees it resumed, not "importing" for ever.
        restart_stale_jobs(ImportJob.objects.filter(pk=job.pk))
        job.refresh_from_db()
    template_name = "imports/importjob_detail.html"
    if request.htmx:
        template_name += "#job-progress"
    summary = {Outcome.IMPORTED: job.imported, Outcome.DUPLICATE: job.duplicates, Outcome.REFUSED: job.refused}
    context = {"job": job, "summary": summary, "listed_limit": settings.IMPORT_JOB_LISTED_OUTCOMES}
    if job.finished:
        # A page at a time: a crawler dump's job lists thousands, and its refusals matter most.
        status = request.GET.get("status", "")
        status = status if status in Outcome.values else ""
        outcomes = job.listed_outcomes.select_related("article").only(
            "label", "status", "message", "article__title", "job_id", "position"
        )
        if status:
            outcomes = outcomes.filter(status=status)
        context["page"] = Paginator(outcomes, OUTCOMES_PER_PAGE).get_page(request.GET.get("page"))
        context["status"] = status
        context["kinds"] = [kind for kind in Outcome if summary[kind]]
    return render(request, template_name, context)
