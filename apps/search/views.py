from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.articles.models import language_name
from apps.projects.models import Project
from apps.search.forms import SearchForm
from apps.search.results import TYPES, Filters, languages_present, search

PER_PAGE = 20
# Deeper pages are of no use to anyone reading, and each costs the rows before it.
MAX_PAGE = 500


def page_number(value: str) -> int:
    return min(int(value), MAX_PAGE) if value.isdigit() and int(value) > 0 else 1


@login_required
@require_GET
def search_results(request):
    """The header's search box: the user's articles, annotations and sources, best first."""
    form = SearchForm(request.GET) if request.GET else SearchForm()
    context = {
        "form": form,
        "types": TYPES,
        "projects": Project.objects.visible_to(request.user).values_list("pk", "name"),
        "languages": sorted(
            (
                (code, language_name(code))
                for codes in languages_present(request.user, Filters()).values()
                for code in codes
            ),
            key=lambda language: language[1],
        ),
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
