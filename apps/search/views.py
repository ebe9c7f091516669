from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.annotations.models import Annotation, AnnotationFilters, Link
from apps.articles.models import language_name
from apps.claims.models import Claim
from apps.projects.models import Project
from apps.search.forms import AnnotationListForm, SearchForm
from apps.search.results import TYPES, Filters, languages_present, search
from apps.sources.models import Source

PER_PAGE = 20
# Deeper pages are of no use to anyone reading, and each costs the rows before it.
MAX_PAGE = 500
# The export's word for "every status": without it, the training formats hold approved ones only.
EVERY_STATUS = "all"


def page_number(value: str) -> int:
    return min(int(value), MAX_PAGE) if value.isdigit() and int(value) > 0 else 1


def languages_of(user) -> list[tuple[str, str]]:
    """The languages of the user's articles (code, name), by name; one query."""
    present = languages_present(user, Filters())
    return sorted(((code, language_name(code)) for codes in present.values() for code in codes), key=lambda x: x[1])


@login_required
@require_GET
def search_results(request):
    """The header's search box: the user's articles, annotations and sources, best first."""
    form = SearchForm(request.GET) if request.GET else SearchForm()
    context = {
        "form": form,
        "types": TYPES,
        "projects": Project.objects.visible_to(request.user).values_list("pk", "name"),
        "languages": languages_of(request.user),
    }
    if not form.is_bound:
        return render(request, "search/search_results.html", context)
    if not form.is_valid():
        return render(request, "search/search_results.html", context, status=422)
    if form.asks_anything:
        page = page_number(request.GET.get("page", ""))
        results = search(
            user=request.user, query=form.query, filters=form.filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        shown = results.counts[form.filters.type] if form.filters.type else results.count
        context |= {"results": results, "shown": shown, "page": page, "pages": max(1, -(-shown // PER_PAGE))}
    return render(request, "search/search_results.html", context)


@login_required
@require_GET
def annotation_list(request):
    """Annotations across the articles of the user's projects, newest first (best first for
    words), with the search's filters and the source they are linked to: each passage in its
    sentence, linked to its span in the workbench, and the export of the same selection.

    Blind mode as everywhere: an analyst of a blind project lists only their own annotations
    there (and others' on curated articles), in the count and the exports as in the rows.
    """
    form = AnnotationListForm(request.GET)
    projects = list(Project.objects.visible_to(request.user).values_list("pk", "name"))
    context = {
        "form": form,
        "projects": projects,
        "languages": languages_of(request.user),
        "kinds": Annotation.Kind.choices,
        "statuses": Annotation.Status.choices,
        "roles": Link.Role.choices,
    }
    template_name = "search/annotation_list.html"
    if request.htmx and request.htmx.target == "annotation-results":
        template_name += "#annotation-results"
    if not form.is_valid():
        return render(request, template_name, context, status=422)
    filters = form.filters
    page = page_number(request.GET.get("page", ""))
    results = search(user=request.user, query=form.query, filters=filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    shown = results.counts["annotation"]
    narrowed = replace(filters.for_annotations(), words=form.cleaned_data["q"])
    source = None
    if filters.source:
        source = Source.objects.visible_to(request.user).filter(pk=filters.source).values_list("name", flat=True)
        source = next(iter(source), None)
    described = (replace(narrowed, source=None, source_name=source) if source else narrowed).described()
    claim = None
    if filters.claim:
        claim = Claim.objects.visible_to(request.user).filter(pk=filters.claim).first()
        described.append(f"appearances of {claim}" if claim else "appearances of a claim you cannot see")
    # Exports are a project's: the one chosen, or the user's only one. They do not narrow by claim.
    export_project = None if filters.claim else filters.project or (projects[0][0] if len(projects) == 1 else None)
    context |= {
        "results": results,
        "shown": shown,
        "page": page,
        "pages": max(1, -(-shown // PER_PAGE)),
        # The source chosen from a search hit by its id, named.
        "described": described,
        "claim": claim,
        "source_name": source,
        "export_project": export_project,
        "export_query": export_parameters(narrowed),
    }
    return render(request, template_name, context)


def export_parameters(filters: AnnotationFilters) -> dict[str, str]:
    """The list's filters as the exports read them: its status (every status when none is chosen,
    which the training formats would otherwise narrow to approved ones), its author as the analyst."""
    parameters = filters.without("status", "author").as_parameters()
    analyst = {"analyst": filters.author} if filters.author else {}
    return {"status": filters.status or EVERY_STATUS, **analyst, **parameters}
