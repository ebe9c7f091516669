from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models

from apps.projects.history import tracked
from apps.projects.permissions import project_ids
from apps.projects.roles import REVIEWING_ROLES, Role


class ProjectScopedQuerySet(models.QuerySet):
    """Rows that belong to a project, scoped by the one rule (see permissions.py)."""

    project_field = "project"

    def visible_to(self, user):
        """Rows of the projects where the user has a role (all of them for a superuser)."""
        return self.in_projects(user)

    def reviewable_by(self, user):
        """Rows of the projects where the user reviews or manages."""
        return self.in_projects(user, REVIEWING_ROLES)

    def in_projects(self, user, roles=None):
        ids = project_ids(user) if roles is None else project_ids(user, roles)
        return self if ids is None else self.filter(**{f"{self.project_field}__in": ids})


class ProjectQuerySet(ProjectScopedQuerySet):
    project_field = "pk"


class Project(models.Model):
    """An investigation: the unit that owns articles and sources and grants access."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@tracked("MembershipHistory")
class Membership(models.Model):
    Role = Role

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role, default=Role.ANALYST)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user_and_project"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} in {self.project}"


def project_of(row) -> int | None:
    """The id of the project a row belongs to: its own, or (annotations, links) its article's."""
    if isinstance(row, Project):
        return row.pk
    try:
        return row.project_id
    except ObjectDoesNotExist:  # a link or an annotation not yet given its article
        return None


def check_same_project(row, *fields: str) -> None:
    """The one rule of references: a row refers only to rows of its own project.

    Otherwise the users of one project would see the other's names and titles through it. The
    forms ask it through the models' clean(); the database refuses the same pairs from any other
    path (the migrations named "one_project"), and `database_refusal` words its refusals.
    """
    own = project_of(row)
    if own is None:
        return  # the project is still missing, and that is the form's first complaint
    errors = {}
    for name in fields:
        if getattr(row, row._meta.get_field(name).attname) is None:
            continue
        try:
            target = getattr(row, name)
        except ObjectDoesNotExist:
            continue  # no such row: the field's own validation says so
        if project_of(target) != own:
            errors[name] = f"Choose a {target._meta.verbose_name} of the same project as this {row._meta.verbose_name}."
    if errors:
        raise ValidationError(errors)


# The database's constraints and triggers that keep references within one project are named so.
CROSS_PROJECT = "That refers to a row outside this row's project; nothing was saved."
PROJECT_CHANGE = "A row never moves to another project; nothing was saved."


def database_refusal(error: Exception) -> str | None:
    """The user's words for the database's refusal of a tie between two projects, or None when
    `error` is another refusal (see check_same_project)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    if constraint.endswith("_same_project"):
        return CROSS_PROJECT
    if constraint.endswith("_project_unchanged"):
        return PROJECT_CHANGE
    return None
