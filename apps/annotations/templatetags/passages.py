from django import template

from apps.annotations.models import quoted as quoted_passage

register = template.Library()


@register.filter
def quoted(passage: str, limit: int = 60) -> str:
    """A passage in a list, as its admin heading shows it: cut at a word, and put in quotation
    marks unless it opens with its own (see annotations.models.quoted)."""
    return quoted_passage(passage, int(limit))
