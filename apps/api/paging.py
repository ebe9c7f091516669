"""Pages of a list: limit and offset in the query, and the neighbouring pages in the body and
in a Link header (RFC 8288), as the Web Annotation Protocol pages its containers."""

from django.http import HttpResponse
from django.utils.http import urlencode


def page_url(request, offset: int, limit: int) -> str:
    query = request.GET.copy()
    query["offset"], query["limit"] = str(offset), str(limit)
    return request.build_absolute_uri(request.path + "?" + urlencode(sorted(query.lists()), doseq=True))


def collection_url(request) -> str:
    """The list's address without its paging: what all its pages are part of."""
    query = request.GET.copy()
    for name in ("offset", "limit"):
        query.pop(name, None)
    suffix = "?" + urlencode(sorted(query.lists()), doseq=True) if query else ""
    return request.build_absolute_uri(request.path + suffix)


def paged(request, response: HttpResponse, queryset, *, limit: int, offset: int, rows=list) -> dict:
    """One page of `queryset` with the count and the neighbouring pages; sets the Link header.

    `rows` turns the page's slice of the queryset into its items. `links` holds the Link
    header's addresses by relation (first, prev, next, last).
    """
    count = queryset.count()
    return page_of(request, response, count, rows(queryset[offset : offset + limit]), limit=limit, offset=offset)


def page_of(request, response: HttpResponse, count: int, items, *, limit: int, offset: int) -> dict:
    """A page of `count` items already read, with its neighbours and the Link header (see `paged`)."""
    links = {"first": page_url(request, 0, limit)}
    following = page_url(request, offset + limit, limit) if offset + limit < count else None
    previous = page_url(request, max(0, offset - limit), limit) if offset > 0 else None
    if following:
        links["next"] = following
    if previous:
        links["prev"] = previous
    last_offset = max(0, (count - 1) // limit * limit)
    links["last"] = page_url(request, last_offset, limit)
    response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": following,
        "previous": previous,
        "items": items,
        "links": links,
    }
