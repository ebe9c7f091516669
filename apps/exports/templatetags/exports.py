from urllib.parse import urlencode

from django import template
from django.urls import reverse

from apps.exports.formats import FORMATS

register = template.Library()


@register.inclusion_tag("exports/links.html")
def export_links(scope: str, pk: int, label: str = "Export", query: dict | None = None):
    """Download links in every format for a project, a story or an article (`scope`), and its
    export page, which says what each holds and offers other statuses and one analyst's file.

    `query`: the export's parameters (status, analyst and the annotation list's filters), which
    every link and the page keep.
    """
    suffix = "?" + urlencode(query) if query else ""
    links = [(reverse(f"exports:{scope}", args=[pk, fmt.name]) + suffix, fmt) for fmt in FORMATS.values()]
    return {
        "links": links,
        "label": label,
        "page": reverse(f"exports:{scope}-page", args=[pk]) + suffix,
        "narrowed": bool(query),
    }
