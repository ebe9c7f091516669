from django.http import HttpResponse
from ninja import Query, Router

from apps.api.endpoints.common import answers
from apps.api.errors import validated
from apps.api.paging import page_of
from apps.api.schemas import Page, SearchFilters, SearchPage
from apps.search.forms import SearchForm
from apps.search.results import search

router = Router(tags=["search"])


@router.get(
    "/search", response=answers({200: SearchPage}), summary="Articles, annotations, sources and claims, best first"
)
def search_list(request, response: HttpResponse, filters: Query[SearchFilters], page: Query[Page]):
    """The header's search: the same query language, filters and rules (blind mode included).

    Sources come first, then claims, annotations and articles, each best match first.
    """
    form = SearchForm(request.GET)
    validated(form)
    if not form.asks_anything:
        form.add_error("q", "Give words to look for (q), a filter, or type=annotation for every annotation you see.")
        validated(form)
    results = search(user=request.auth, query=form.query, filters=form.filters, offset=page.offset, limit=page.limit)
    count = results.counts[form.filters.type] if form.filters.type else results.count
    items = [
        {
            "type": hit.type,
            "id": hit.id,
            "article": hit.article,
            "title": hit.title,
            "snippet": hit.snippet.text,
            "highlights": list(hit.snippet.highlights),
            "url": request.build_absolute_uri(hit.url),
        }
        for hit in results.hits
    ]
    body = page_of(request, response, count, items, limit=page.limit, offset=page.offset)
    return {**body, "counts": results.counts}
