from django.conf import settings
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


@tracked("ProjectHistory")
class Project(models.Model):
    """An investigation: the unit that owns articles and sources and grants access."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    blind = models.BooleanField(
        default=False,
        help_text="Analysts see only their own annotations of an article until a reviewer marks it curated, "
        "so that their work, and the agreement between them, is independent.",
    )
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
