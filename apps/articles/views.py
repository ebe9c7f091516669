from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.annotations.models import Annotation
from apps.annotations.rendering import annotation_list_html, blocks_html, listed, render_blocks
from apps.articles.fetching import read_url
from apps.articles.forms import ImportForm
from apps.articles.importing import read_pasted, read_upload
from apps.articles.models import Article, ImportJob
from apps.articles.services import import_items, join_story, start_import_job
from apps.projects.models import Membership, Project


@login_required
@require_GET
def article_list(request):
    articles = Article.objects.visible_to(request.user).for_list()
    query = request.GET.get("q", "").strip()
    if query:
        articles = articles.filter(title__icontains=query)
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "query": query})


def annotation_filters(request) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in ("kind", "status", "author")}


@login_required
@require_GET
def article_detail(request, pk):
    articles = Article.objects.visible_to(request.user).select_related("publisher", "story").defer("original")
    article = get_object_or_404(articles, pk=pk)
    filters = annotation_filters(request)
    annotations = listed(article.annotations.live())
    shown = [
        a
        for a in annotations
        if (not filters["kind"] or a.kind == filters["kind"])
        and (not filters["status"] or a.status == filters["status"])
        and (not filters["author"] or str(a.author_id) == filters["author"])
    ]
    context = {
        "article": article,
        "annotation_count": len(shown),
        "annotation_items": annotation_list_html(shown),
        "filters": filters,
        "authors": sorted({(a.author_id, a.author) for a in annotations}, key=lambda author: author[1]),
        "kinds": Annotation.Kind.choices,
        "statuses": Annotation.Status.choices,
    }
    template_name = "articles/article_detail.html"
    if request.htmx and request.htmx.target == "annotation-list":
        return render(request, template_name + "#annotation-list", context)
    context["text_html"] = blocks_html(render_blocks(article, annotations))
    context["suggestions"] = article.related_suggestions()
    return render(request, template_name, context)


@login_required
@require_POST
def article_join_story(request, pk):
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    other = get_object_or_404(Article.objects.visible_to(request.user), pk=request.POST.get("other"))
    if other.project_id != article.project_id:
        messages.error(request, "Only articles of the same project can form a story.")
        return redirect(article)
    role = Membership.objects.filter(project_id=article.project_id, user=request.user).values_list("role", flat=True)
    if not request.user.is_staff and not role:
        messages.error(request, "Only members of the project can group its articles.")
        return redirect(article)
    story = join_story(article=article, other=other)
    messages.success(request, f"“{other.title}” is now part of the story “{story.title}”.")
    return redirect(article)


@login_required
@require_http_methods(["GET", "POST"])
def article_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    outcomes = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
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
    template_name = "articles/article_import.html"
    if request.htmx:
        template_name += "#import-panel"
    summary = Counter(outcome["status"] for outcome in outcomes or ())
    return render(request, template_name, {"form": form, "outcomes": outcomes, "summary": summary})


@login_required
@require_GET
def import_job(request, pk):
    jobs = ImportJob.objects.filter(project__in=Project.objects.visible_to(request.user).values("pk"))
    job = get_object_or_404(jobs.select_related("project"), pk=pk)
    template_name = "articles/import_job.html"
    if request.htmx:
        template_name += "#job-progress"
    summary = {"imported": job.imported, "duplicate": job.duplicates, "refused": job.refused}
    return render(request, template_name, {"job": job, "outcomes": job.outcomes, "summary": summary})
