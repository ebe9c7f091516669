from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Link, open_work, quoted
from apps.projects.history import tracked
from apps.projects.models import ProjectScopedQuerySet
from apps.projects.permissions import blinded_project_ids
from apps.sources.models import joined_vectors, search_vector

# A claim's proposal keys (see proposals.claim_keys) are bounded: a wording and its appearances
# rarely hold more than a few dozen content words, names and numbers.
MAX_KEYS = 400


class Verdict(models.TextChoices):
    UNVERIFIED = "unverified"
    SUPPORTED = "supported"
    DISPUTED = "disputed"
    MISLEADING = "misleading"
    FALSE = "false"
    OPINION = "opinion"


def open_appearances(user, prefix: str = "") -> models.Q | None:
    """Blind mode for appearances (reached through `prefix`): those whose annotation the user may
    know of; None when blind mode hides nothing from them."""
    return open_work(user, annotation=f"{prefix}annotation__")


class ClaimQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user):
        """Claims of the user's projects; in a blind project an analyst does not see a claim all
        of whose appearances are hidden from them (its wording is often another analyst's marked
        words), unless they made it."""
        scoped = super().visible_to(user)
        hidden = blinded_project_ids(user)
        if not hidden:
            return scoped
        appearances = Appearance.objects.filter(claim=models.OuterRef("pk"))
        return scoped.filter(
            ~models.Q(project_id__in=hidden)
            | models.Q(created_by=user.pk)
            | ~models.Exists(appearances)
            | models.Exists(appearances.filter(open_appearances(user)))
        )


# When an appearance was first seen: its article's publication day, else the day it was imported.
SEEN_ON = Coalesce("annotation__article__published_on", models.F("annotation__article__imported_at__date"))


@tracked("ClaimHistory", exclude=["keys", "search"])
class Claim(models.Model):
    """One assertion wherever it appears: a canonical wording, its language and a verdict."""

    Verdict = Verdict

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="claims")
    wording = models.TextField(help_text="The assertion in one canonical wording.")
    language = models.CharField(max_length=3, default="und", help_text="ISO 639-1, or “und” when unknown.")
    verdict = models.CharField(max_length=12, choices=Verdict, default=Verdict.UNVERIFIED)
    rationale = models.TextField(blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking, as annotations: a change names the version it was made from.
    version = models.PositiveIntegerField(default=1)
    # What proposals compare (see proposals.claim_keys): folded content words with their language,
    # names and numbers of the wording and every appearance; kept a row each in ClaimKey too.
    keys = ArrayField(models.CharField(max_length=100), blank=True, default=list, editable=False)
    # The wording and the rationale for the header's search (apps.search), words as written.
    search = models.GeneratedField(
        expression=joined_vectors(search_vector("wording"), search_vector("rationale", "B")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(verdict__in=Verdict.values), name="claim_verdict_valid"),
            models.CheckConstraint(condition=~models.Q(wording=""), name="claim_wording_not_empty"),
            models.CheckConstraint(
                condition=models.Q(language__regex=r"^([a-z]{2}|und)$"), name="claim_language_iso639_1"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="claim_version_positive"),
        ]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="claim_project_recent"),
            GinIndex(fields=["search"], name="claim_search"),
        ]

    def __str__(self):
        return quoted(self.wording)

    def get_absolute_url(self):
        return reverse("claims:detail", args=[self.pk])

    @property
    def has_verdict(self) -> bool:
        return self.verdict != Verdict.UNVERIFIED


class AppearanceQuerySet(ProjectScopedQuerySet):
    project_field = "claim__project"

    def visible_to(self, user):
        """Appearances of the user's projects whose annotation blind mode does not hide from them."""
        return super().visible_to(user).live().open_to(user)

    def live(self):
        """Of claim annotations not deleted: a deleted one keeps its appearance, for its undo, and
        one changed to another kind afterwards keeps it should it be changed back."""
        return self.filter(annotation__deleted_at__isnull=True, annotation__kind="claim")

    def open_to(self, user):
        condition = open_appearances(user)
        return self if condition is None else self.filter(condition)

    def first_seen_first(self):
        """Oldest first: where the claim was first said, then how it spread."""
        return self.alias(seen_on=SEEN_ON).order_by("seen_on", "annotation__created_at", "pk")

    def for_listing(self):
        """Rows for the claim page in one query, oldest first: plain values, no model instances, the
        claimants' names folded into an array."""
        claimants = Link.objects.filter(annotation=models.OuterRef("annotation_id"), role=Link.Role.CLAIMANT)
        return (
            self.first_seen_first()
            .annotate(seen_on=SEEN_ON)
            .values_list(
                "annotation_id",
                "annotation__article_id",
                "annotation__article__title",
                "annotation__article__publisher__name",
                "annotation__article__author",
                "annotation__article__published_on",
                "annotation__article__language",
                "annotation__exact",
                "annotation__prefix",
                "annotation__suffix",
                "seen_on",
                ArraySubquery(claimants.order_by("pk").values("source__name")),
            )
        )

    def for_display(self):
        return self.select_related("annotation__article__publisher", "annotation__created_by", "created_by").defer(
            "annotation__article__original", "annotation__article__text", "annotation__article__search"
        )


@tracked("AppearanceHistory")
class Appearance(models.Model):
    """A claim annotation of an article as one appearance of a claim; an annotation is part of one
    claim at most. The database keeps both of the same project (migration 0002)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    annotation = models.OneToOneField("annotations.Annotation", on_delete=models.CASCADE, related_name="appearance")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppearanceQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "id"]
        indexes = [models.Index(fields=["claim", "id"], name="appearance_claim")]

    def __str__(self):
        return f"{self.claim} in {quoted(self.annotation.exact)}"

    @property
    def project_id(self) -> int:
        return self.claim.project_id


class ClaimKey(models.Model):
    """One of a claim's keys, a row each, written by a database trigger from `Claim.keys`
    (migration 0004): a proposal reads the marked words' keys from the (project, key) index and
    adds up each claim's shared ones, instead of comparing the arrays of thousands of claims."""

    pk = models.CompositePrimaryKey("project", "key", "claim")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=100)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return f"{self.key} of claim {self.claim_id}"
