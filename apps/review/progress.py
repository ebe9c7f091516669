"""Each member's progress on a project: articles assigned to them, how many of those they marked
done, and how many annotations they made there ("12 of 40 done", as doccano and Label Studio show it).

Assignments and done marks are few and counted afresh; the annotations are many (about 0.1-0.2 s
to count 100,000), so their counts come from the dashboard's figures kept per article (figures.py).
"""

from dataclasses import dataclass

from django.db import models
from django.db.models.functions import Coalesce

from apps.annotations.models import Annotation
from apps.articles.models import Assignment, DoneMark
from apps.projects.models import Project
from apps.projects.permissions import members_of
from apps.projects.roles import Role
from apps.review.figures import kept_annotations_by_author


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


def annotations_by_author(project: Project) -> dict[int, int]:
    """User id -> live annotations they made in the project, in one pass over its annotations: what
    the page shows, there summed from the figures kept per article (figures.kept_annotations_by_author)."""
    annotations = Annotation.objects.live().filter(article__project=project).order_by()
    return dict(annotations.values_list("created_by_id").annotate(count=models.Count("pk")))


def project_progress(project: Project) -> list[MemberProgress]:
    """The project's analysts, and any other member with assigned articles or annotations, by name.

    The same few queries whatever the project's size: the members with their assignments and
    done marks counted in PostgreSQL through the indexes that lead with the project and the
    user, and the annotations per author (the dashboard's kept figures, see figures.py).
    """
    # A done mark counts where the article is assigned to its author: one look-up per mark.
    assigned = Assignment.objects.filter(article=models.OuterRef("article"), user=models.OuterRef("user"))
    rows = (
        members_of(project)
        .annotate(
            assigned=counted(Assignment.objects.filter(project=project, user=models.OuterRef("pk")), "user"),
            done=counted(
                DoneMark.objects.filter(project=project, user=models.OuterRef("pk")).filter(models.Exists(assigned)),
                "user",
            ),
        )
        .order_by("username")
        .values_list("pk", "username", "role", "assigned", "done")
    )
    annotations = kept_annotations_by_author(project)
    members = [
        MemberProgress(name, role, assigned, done, annotations.get(pk, 0)) for pk, name, role, assigned, done in rows
    ]
    return [member for member in members if member.role == Role.ANALYST or member.assigned or member.annotations]
