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


# ---------------------------------------------------------------------------------------------
# Versions of one article: how each annotation of the version before was carried to the next.
# ---------------------------------------------------------------------------------------------


class AnchoringState(models.TextChoices):
    EXACT = "exact"
    MOVED = "moved"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"


class AnchoringDecision(models.TextChoices):
    CONFIRMED = "confirmed"
    ADJUSTED = "adjusted"
    DROPPED = "dropped"


class AnchoringQuerySet(ProjectScopedQuerySet):
    project_field = "article__project"

    def waiting(self):
        """Not exact, and no reviewer has confirmed, adjusted or dropped it yet: the reviewers' queue."""
        return self.exclude(state=AnchoringState.EXACT).filter(decision="")

    def orphaned(self):
        return self.filter(state=AnchoringState.ORPHANED)


class Anchoring(models.Model):
    """An annotation of an earlier version of an article carried to a later one (`article`).

    The carried annotation is a new annotation of the later version; `origin` stays with the
    earlier one, with its comments and history. An orphaned origin has no carried annotation
    until a reviewer places it by hand. Written only by apps/stories/versions.py.
    """

    State = AnchoringState
    Decision = AnchoringDecision

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="anchorings")
    origin = models.ForeignKey("annotations.Annotation", on_delete=models.CASCADE, related_name="carried_to")
    annotation = models.OneToOneField(
        "annotations.Annotation", on_delete=models.CASCADE, null=True, blank=True, related_name="anchoring"
    )
    state = models.CharField(max_length=10, choices=State)
    score = models.FloatField(help_text="How alike the carried passage is to the origin's (1: the same words).")
    decision = models.CharField(max_length=10, choices=Decision, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnchoringQuerySet.as_manager()

    class Meta:
        ordering = ["article", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "origin"], name="anchoring_once_per_version"),
            models.CheckConstraint(condition=models.Q(state__in=AnchoringState.values), name="anchoring_state_valid"),
            models.CheckConstraint(
                condition=models.Q(decision__in=["", *AnchoringDecision.values]), name="anchoring_decision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(annotation__isnull=False) | models.Q(state=AnchoringState.ORPHANED),
                name="anchoring_carried_unless_orphaned",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="anchoring_score_between_0_and_1"
            ),
        ]
        indexes = [
            models.Index(
                fields=["article"], name="anchoring_waiting", condition=~models.Q(state="exact") & models.Q(decision="")
            )
        ]

    def __str__(self):
        return f"{self.origin_id} → {self.annotation_id or 'orphaned'} ({self.state})"

    @property
    def project_id(self) -> int:
        return self.article.project_id

    @property
    def waiting(self) -> bool:
        return self.state != AnchoringState.EXACT and not self.decision
