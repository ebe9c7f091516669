from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse

from apps.projects.models import ProjectScopedQuerySet

# A running export records its progress at least this often; a job silent for STALE_AFTER lost its worker.
HEARTBEAT_SECONDS = 2
STALE_AFTER = timedelta(seconds=60)
# A job found dead is started again (from the beginning: an export only reads) this many times.
MAX_RESTARTS = 3
# Finished files are deleted after this long; the same link makes a fresh one.
KEPT_FOR = timedelta(days=7)


class ExportState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJobQuerySet(ProjectScopedQuerySet):
    def stale(self):
        return self.filter(state=ExportState.RUNNING, heartbeat_at__lt=Now() - STALE_AFTER)

    def expired(self):
        """Finished jobs whose file has been kept long enough."""
        return self.filter(state=ExportState.DONE, finished_at__lt=Now() - KEPT_FOR).exclude(file_name="")


class ExportJob(models.Model):
    """An export too large to stream from a request, written to a file by the background worker."""

    State = ExportState

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="export_jobs")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    story = models.ForeignKey("articles.Story", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, blank=True, help_text="Only annotations in this state, if given.")
    analyst = models.CharField(max_length=150, blank=True, help_text="Only this analyst's annotations, if given.")
    filters = models.JSONField(
        default=dict, blank=True, help_text="The annotation list's filters, as its address's parameters, if given."
    )
    format = models.CharField(max_length=20)
    base_url = models.CharField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ExportState, default=ExportState.QUEUED)
    # Annotations to write, and written so far.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Each run takes the next number; a run that finds another number has been replaced.
    run = models.PositiveIntegerField(default=0)
    restarts = models.PositiveIntegerField(default=0)
    # The finished file, under EXPORT_DIR.
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=ExportState.values), name="export_job_state_valid"),
        ]

    def __str__(self):
        return f"Export #{self.pk} of {self.project}"

    def get_absolute_url(self):
        return reverse("exports:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in {ExportState.DONE, ExportState.FAILED}
