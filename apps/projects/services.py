from django.core.exceptions import PermissionDenied, ValidationError
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
    others = project.memberships.exclude(user=user).values_list("role", flat=True)
    check_a_manager_remains([*others, role])
    Membership.objects.filter(project=project, user=user).update(role=Membership.Role(role))
    forget_roles(user)


def remove_member(*, project: Project, user, by) -> None:
    require_manager(by, project)
    check_a_manager_remains(list(project.memberships.exclude(user=user).values_list("role", flat=True)))
    Membership.objects.filter(project=project, user=user).delete()
    forget_roles(user)


LAST_MANAGER = "A project needs a manager: make someone else its manager first."


def check_a_manager_remains(roles_after: list[str]) -> None:
    """Refuse a change of members that would leave the project without a manager: nobody but a
    superuser could add members or change roles any more."""
    if Membership.Role.MANAGER not in roles_after:
        raise ValidationError(LAST_MANAGER)


def update_project(*, project: Project, user, fields: list[str]) -> Project:
    """Save the changed `fields` of a project (its name, description, blind mode); managers only.

    The history (ProjectHistory) keeps each change, so the agreement page can tell whether the
    analysts worked blind.
    """
    if not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's managers change its settings.")
    if fields:
        project.save(update_fields=fields)
    return project
