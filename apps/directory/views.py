from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.directory.forms import DirectoryForm, MergeForm
from apps.directory.listing import (
    likely_duplicates,
    published_articles,
    source_links,
    sources_for,
    written_articles,
)
from apps.directory.models import SourceMerge
from apps.directory.services import merge_sources, undo_merge
from apps.projects.models import Project, database_refusal
from apps.projects.permissions import blinded_project_ids
from apps.sources.models import Source

SOURCES_PER_PAGE = 25
LINKS_PER_PAGE = 50
ARTICLES_SHOWN = 50
# Enough to find a duplicate by name in the list; the likely duplicates come first anyway.
MERGE_CHOICES = 300


@login_required
@require_GET
def source_list(request):
    """The sources of the user's projects: search by name or alias, filter by kind and project."""
    form = DirectoryForm(request.GET, user=request.user)
    template_name = "directory/source_list.html"
    if request.htmx and request.htmx.target == "source-results":
        template_name += "#source-results"
    context = {"form": form}
    if not form.is_valid():
        return render(request, template_name, context, status=422)
    data = form.cleaned_data
    project = data["project"]
    sources = sources_for(request.user, query=data["q"], kind=data["kind"], project=project.pk if project else None)
    page = Paginator(sources, SOURCES_PER_PAGE).get_page(request.GET.get("page"))
    managed = [p for p in Project.objects.visible_to(request.user) if request.user.has_perm("sources.merge_source", p)]
    context |= {"page": page, "managed_projects": managed}
    return render(request, template_name, context)


@login_required
@require_GET
def source_detail(request, pk):
    """A source with everything linked to it that the user may see, the newest or oldest first."""
    source = get_object_or_404(Source.objects.visible_to(request.user).select_related("project"), pk=pk)
    oldest_first = request.GET.get("order") == "oldest"
    links = source_links(request.user, source, oldest_first=oldest_first)
    link_page = Paginator(links, LINKS_PER_PAGE).get_page(request.GET.get("page"))
    visible = Source.objects.visible_to(request.user)
    published = published_articles(source, oldest_first=oldest_first)
    written = written_articles(source, oldest_first=oldest_first)
    may_merge = request.user.has_perm("sources.merge_source", source)
    context = {
        "source": source,
        "oldest_first": oldest_first,
        "affiliation": visible.filter(pk=source.affiliation_id).first() if source.affiliation_id else None,
        "affiliates": visible.filter(affiliation=source).order_by("name", "pk"),
        "published": published[:ARTICLES_SHOWN],
        "published_count": published.count(),
        "written": written[:ARTICLES_SHOWN],
        "written_count": written.count(),
        "link_page": link_page,
        "claims": source_links(request.user, source, oldest_first=oldest_first, claims_only=True)[:LINKS_PER_PAGE],
        "merges": SourceMerge.objects.into(source.pk).select_related("merged_by", "undone_by"),
        # A blind analyst is not told how many annotations a merge moved: most may be others' work.
        "show_link_counts": source.project_id not in blinded_project_ids(request.user),
        "may_merge": may_merge,
    }
    if may_merge:
        context |= merge_context(request.user, source)
    return render(request, "directory/source_detail.html", context)


def merge_context(user, source: Source, form: MergeForm | None = None) -> dict:
    form = form or MergeForm(source=source, user=user)
    return {
        "merge_form": form,
        "merge_choices": form.fields["into"].queryset.filter(kind=source.kind)[:MERGE_CHOICES],
        "duplicates": [
            duplicate.second if duplicate.first.pk == source.pk else duplicate.first
            for duplicate in likely_duplicates(source.project_id, source_id=source.pk)
        ],
    }


@login_required
@require_GET
def source_duplicates(request):
    """Pairs of sources of a project that may be one, for its managers to merge."""
    projects = [p for p in Project.objects.visible_to(request.user) if request.user.has_perm("sources.merge_source", p)]
    if not projects:
        raise PermissionDenied("Only a project's managers merge its sources.")
    chosen = request.GET.get("project", "")
    project = next((p for p in projects if str(p.pk) == chosen), projects[0])
    context = {"projects": projects, "project": project, "duplicates": likely_duplicates(project.pk)}
    return render(request, "directory/source_duplicates.html", context)


@login_required
@require_POST
def source_merge(request, pk):
    """Merge the source into the one chosen (`into`), which keeps its name and takes this one's."""
    source = get_object_or_404(Source.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("sources.merge_source", source):
        raise PermissionDenied("Only the project's managers merge sources.")
    form = MergeForm(request.POST, source=source, user=request.user)
    error = None
    if form.is_valid():
        into = form.cleaned_data["into"]
        try:
            merge = merge_sources(source=source, into=into, user=request.user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except IntegrityError as refusal:
            error = database_refusal(refusal)
            if error is None:
                raise
        else:
            messages.success(request, f"“{merge.merged_name}” was merged into “{into}”.")
            return redirect("directory:detail", into.pk)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    context = {"error": error, "back": source.pk}
    return render(request, "directory/merge_refused.html", context, status=422)


@login_required
@require_POST
def merge_undo(request, pk):
    """Undo a merge from its entry on the survivor's page; the page then says what stayed."""
    merge = get_object_or_404(SourceMerge.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("sources.merge_source", merge):
        raise PermissionDenied("Only the project's managers undo merges.")
    try:
        merge = undo_merge(merge=merge, user=request.user)
    except ValidationError as refusal:
        back = merge.survivor_id if Source.objects.filter(pk=merge.survivor_id).exists() else None
        context = {"error": " ".join(refusal.messages), "back": back}
        return render(request, "directory/merge_refused.html", context, status=422)
    messages.success(request, f"The merge of “{merge.merged_name}” was undone.")
    for what in merge.not_restored:
        messages.warning(request, f"Not restored: {what}")
    return redirect("directory:detail", merge.merged_id)
