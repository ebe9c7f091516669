from django import template

from apps.projects.models import Project

register = template.Library()


@register.filter
def score(value) -> str:
    """A proportion or kappa to two places; "—" where there is no figure."""
    return "—" if value is None else f"{value:.2f}"


@register.simple_tag(takes_context=True)
def review_projects(context) -> list[Project]:
    """The projects whose dashboard and agreement the signed-in user may see."""
    user = context["request"].user
    return [
        project
        for project in Project.objects.reviewable_by(user).only("pk", "name")
        if user.has_perm("review.view_dashboard", project)
    ]
