from django import template
from django.urls import reverse

from apps.exports.formats import FORMATS

register = template.Library()


@register.inclusion_tag("exports/links.html")
def export_links(scope: str, pk: int, label: str = "Export"):
    """Download links in every format for a project, a story or an article (`scope`), and its
    export page, which says what each holds and offers other statuses and one analyst's file."""
    links = [(reverse(f"exports:{scope}", args=[pk, fmt.name]), fmt) for fmt in FORMATS.values()]
    return {"links": links, "label": label, "page": reverse(f"exports:{scope}-page", args=[pk])}
