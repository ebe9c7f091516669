from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least

from apps.annotations.models import open_work
from apps.projects.history import tracked
from apps.projects.models import ProjectScopedQuerySet, check_same_project


class CounterpartQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user):
        """Pairs of the user's projects whose two annotations blind mode lets them see."""
        rows = super().visible_to(user)
        for side in ("annotation__", "other__"):
            condition = open_work(user, side)
            if condition is not None:
                rows = rows.filter(condition)
        return rows

    def of(self, annotation_id: int):
        return self.filter(models.Q(annotation_id=annotation_id) | models.Q(other_id=annotation_id))


@tracked("CounterpartHistory")
class Counterpart(models.Model):
    """Two annotations that mark the same passage in two articles of one story (a translation, a
    re-publication). Symmetric and kept once per pair: `annotation` is the one it was found from.

    Claims tracked across articles read these rows; the project is stored so that the database
    can refuse a pair that ties two projects together (migration 0001).
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    annotation = models.ForeignKey(
        "annotations.Annotation", on_delete=models.CASCADE, related_name="counterparts_found"
    )
    other = models.ForeignKey("annotations.Annotation", on_delete=models.CASCADE, related_name="counterparts_of")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CounterpartQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(annotation=models.F("other")), name="counterpart_not_itself"),
            models.UniqueConstraint(
                Least("annotation", "other"), Greatest("annotation", "other"), name="counterpart_once_per_pair"
            ),
        ]

    def __str__(self):
        return f"{self.annotation} ↔ {self.other}"

    def clean(self):
        super().clean()
        check_same_project(self, "annotation", "other")

    def partner_id(self, annotation_id: int) -> int:
        return self.other_id if self.annotation_id == annotation_id else self.annotation_id
