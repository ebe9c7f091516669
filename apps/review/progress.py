"""Each member's progress on a project: articles assigned to them, how many of those they marked
done, and how many annotations they made there ("12 of 40 done", as doccano and Label Studio show it)."""

from dataclasses import dataclass

from django.db import models
from django.db.models.functions import Coalesce

from apps.annotations.models import Annotation
from apps.articles.models import Assignment, DoneMark
from apps.projects.models import Project
from apps.projects.permissions import members_of
from apps.projects.roles import Role


@dataclass(frozen=True)
class MemberProgress:
    name: str
    role: str
    assigned: int
    done: int  # of the assigned articles
    annotations: int  # live ones, in the project


def counted(queryset, group_by: str) -> models.Subquery:
    """The number of `queryset`'s rows, as a subquery of one number (0 for none)."""
    count = queryset.order_by().values(group_by).annotate(count=models.Count("pk")).values("count")
    return Coalesce(models.Subquery(count), 0)


def project_progress(project: Project) -> list[MemberProgress]:
    """The project's analysts, and any other member with assigned articles or annotations, by name.

    One query whatever the project's size: each member's figures are counted in PostgreSQL,
    through the indexes that lead with the project and the user.
    """
    assigned = Assignment.objects.filter(project=project, user=models.OuterRef("pk"))
    done = DoneMark.objects.filter(article=models.OuterRef("article"), user=models.OuterRef("user"))
    annotations = Annotation.objects.live().filter(article__project=project, created_by=models.OuterRef("pk"))
    rows = (
        members_of(project)
        .annotate(
            assigned=counted(assigned, "user"),
            done=counted(assigned.filter(models.Exists(done)), "user"),
            annotations_made=counted(annotations, "created_by"),
        )
        .order_by("username")
        .values_list("username", "role", "assigned", "done", "annotations_made")
    )
    members = [MemberProgress(*row) for row in rows]
    return [member for member in members if member.role == Role.ANALYST or member.assigned or member.annotations]
