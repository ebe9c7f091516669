"""Sections that apps above annotations add to an annotation's side panel in the workbench and
to its review page in the admin (claims shows the claim there), registered from their own
AppConfig.ready(), so that annotations never imports them."""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

# Each takes the request and the annotation and returns HTML (already escaped), or "" for none.
Section = Callable[..., str]
PANEL_SECTIONS: list[Section] = []
REVIEW_SECTIONS: list[Section] = []


def add_panel_section(section: Section) -> None:
    if section not in PANEL_SECTIONS:
        PANEL_SECTIONS.append(section)


def add_review_section(section: Section) -> None:
    if section not in REVIEW_SECTIONS:
        REVIEW_SECTIONS.append(section)


def rendered(sections: list[Section], request, annotation) -> SafeString:
    return mark_safe("".join(section(request, annotation) for section in sections))  # noqa: S308 - each renders a template
