from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from apps.imports.fetch import read_url
from apps.imports.forms import ImportForm
from apps.imports.models import ImportJob
from apps.imports.readers import read_pasted, read_upload
from apps.imports.store import Outcome, import_items
from apps.imports.tasks import start_import_job


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    outcomes = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.user.has_perm("articles.add_article", data["project"]):
            raise PermissionDenied("Only members of the project can import into it.")
        items = []
        if data["text"].strip():
            items.append(read_pasted(data["text"], data["title"]))
        if data["url"]:
            items.extend(read_url(data["url"]))
        if form.is_large_batch():
            outcomes = import_items(project=data["project"], items=items, user=request.user)
            for outcome in outcomes:
                messages.info(request, f"{outcome.label}: {outcome.status}. {outcome.message}".strip())
            uploads = [(upload.name, upload.read()) for upload in data["files"]]
            job = start_import_job(project=data["project"], user=request.user, uploads=uploads)
            if request.htmx:
                return HttpResponseClientRedirect(job.get_absolute_url())
            return redirect(job)
        for upload in data["files"]:
            items.extend(read_upload(upload.name, upload.read()))
        outcomes = [
            outcome.as_dict() for outcome in import_items(project=data["project"], items=items, user=request.user)
        ]
    template_name = "imports/import_new.html"
    if request.htmx:
        template_name += "#import-panel"
    summary = Counter(outcome["status"] for outcome in outcomes or ())
    # Nothing stored and something refused is a refusal, like an invalid form; the page still
    # shows why, file by file. Some articles stored is a success that reports the rest.
    refused = form.errors or (summary[Outcome.REFUSED] and not summary[Outcome.IMPORTED])
    status = 422 if refused else 200
    return render(request, template_name, {"form": form, "outcomes": outcomes, "summary": summary}, status=status)


@login_required
@require_GET
def import_job(request, pk):
    job = get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("project"), pk=pk)
    template_name = "imports/importjob_detail.html"
    if request.htmx:
        template_name += "#job-progress"
    summary = {"imported": job.imported, "duplicate": job.duplicates, "refused": job.refused}
    return render(request, template_name, {"job": job, "outcomes": job.outcomes, "summary": summary})
