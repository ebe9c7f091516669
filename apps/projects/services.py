from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.projects.models import Membership, Project
from apps.projects.permissions import forget_roles


def require_manager(by, project: Project) -> None:
    """`by` None is the operator at the command line, who holds the server and needs no role."""
    if by is not None and not by.has_perm("projects.manage_members", project):
        raise PermissionDenied("Only the project's managers change its members.")


def add_member(*, project: Project, user, role: str, by) -> Membership:
    """Give `user` a role in `project`; `by` must manage it."""
    require_manager(by, project)
    with transaction.atomic():
        membership = Membership.objects.create(project=project, user=user, role=Membership.Role(role))
    forget_roles(user)
    return membership


def change_role(*, project: Project, user, role: str, by) -> None:
    require_manager(by, project)
    Membership.objects.filter(project=project, user=user).update(role=Membership.Role(role))
    forget_roles(user)


def remove_member(*, project: Project, user, by) -> None:
    require_manager(by, project)
    Membership.objects.filter(project=project, user=user).delete()
    forget_roles(user)
