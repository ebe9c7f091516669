from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.projects.models import ProjectScopedQuerySet


class ImportState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(models.Model):
    """A batch of uploads imported in the background, with its progress and outcomes."""

    State = ImportState

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    # How many articles the uploads hold; known once the worker has read them.
    total = models.PositiveIntegerField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # One {"label", "status", "message", "article"} per input, in input order, once done.
    outcomes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=ImportState.values), name="import_job_state_valid"),
        ]

    def __str__(self):
        return f"Import #{self.pk} into {self.project}"

    def get_absolute_url(self):
        return reverse("imports:job", args=[self.pk])

    @property
    def processed(self) -> int:
        return self.imported + self.duplicates + self.refused

    @property
    def finished(self) -> bool:
        return self.state in {ImportState.DONE, ImportState.FAILED}


class ImportUpload(models.Model):
    """A file waiting for its import job; removed once the job has read it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="uploads")
    name = models.CharField(max_length=500)
    data = models.BinaryField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name
