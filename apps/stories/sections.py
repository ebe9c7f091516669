"""What the stories app adds to the annotations app's pages, through its section registry."""

from django.urls import reverse
from django.utils.html import format_html


def counterparts_in_panel(request, annotation) -> str:
    """An empty section the panel fills once shown: the counterparts of an annotation in a story."""
    if not annotation.article.story_id:
        return ""
    return format_html(
        '<section id="counterparts" class="counterparts" hx-get="{}" hx-trigger="load" hx-swap="outerHTML"></section>',
        reverse("stories:counterparts", args=[annotation.pk]),
    )
