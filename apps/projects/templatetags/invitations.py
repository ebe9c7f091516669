from django import template

register = template.Library()


@register.filter
def may_invite(user, project) -> bool:
    """Whether the user may invite people to the project (the one rule, for a template)."""
    return user.has_perm("projects.add_invitation", project)
