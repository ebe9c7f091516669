from django import template

from apps.projects.models import Project

register = template.Library()


@register.filter
def score(value) -> str:
    """A proportion or kappa to two places; "—" where there is no figure."""
    if value is None:
        return "—"
    # A tiny negative kappa rounds to 0.00, not to a "-0.00" that reads as a figure of its own.
    return f"{value:.2f}".replace("-0.00", "0.00")


@register.simple_tag(takes_context=True)
def review_projects(context) -> list[Project]:
    """The projects whose dashboard and agreement the signed-in user may see."""
    user = context["request"].user
    return [
        project
        for project in Project.objects.reviewable_by(user).only("pk", "name")
        if user.has_perm("review.view_dashboard", project)
    ]
