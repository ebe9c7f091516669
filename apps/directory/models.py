from django.conf import settings
from django.db import models

from apps.projects.models import ProjectScopedQuerySet


class SourceMergeQuerySet(ProjectScopedQuerySet):
    def into(self, source_id: int):
        """The merges that kept `source_id`, the latest first."""
        return self.filter(survivor_id=source_id).order_by("-merged_at", "-pk")

    def undoable(self):
        return self.filter(undone_at__isnull=True)


class SourceMerge(models.Model):
    """One source merged into another: what moved, so that the merge can be undone.

    The sources are named by their ids, not by foreign keys: the merged source is deleted by the
    merge and made again, with the same id, by its undo, and a survivor may be merged in its turn
    and come back the same way; the ids then find them again. A trigger (migration 0001) keeps
    both of the project when the row is written.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    survivor_id = models.BigIntegerField(db_index=True)
    merged_id = models.BigIntegerField(db_index=True)
    # The merged source as it was (name, kind, url, description, aliases, affiliation...).
    snapshot = models.JSONField()
    # What moved to the survivor: link, article, affiliate and other ids, aliases and fields it took.
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    # What the undo could not restore, in words.
    not_restored = models.JSONField(default=list, blank=True)

    objects = SourceMergeQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor_id=models.F("merged_id")), name="source_merge_two_sources"
            ),
        ]

    def __str__(self):
        return f"{self.merged_name} merged into source #{self.survivor_id}"

    @property
    def merged_name(self) -> str:
        return self.snapshot.get("name", "")

    def count(self, what: str) -> int:
        return len(self.moved.get(what, []))

    @property
    def link_count(self) -> int:
        """The annotation links the merged source had: moved, or folded into the survivor's own."""
        return self.count("links") + self.count("folded_links")
