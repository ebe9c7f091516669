from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from apps.projects.models import ProjectScopedQuerySet

# A running job's worker records a heartbeat at least this often (see tasks.Heartbeat).
HEARTBEAT_SECONDS = 5
# A job's page follows it four times a second for this long after it was queued, then every second.
FAST_POLL_FOR = timedelta(seconds=10)


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before its worker counts as dead."""
    return timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)


class ImportState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Outcome(models.TextChoices):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


def normalised_summary(count: int) -> str:
    """What the import summary says of the texts it stored composed (NFC) when they came decomposed."""
    if count == 1:
        return "1 text was normalised to NFC; its spans cover the same characters at new offsets."
    return f"{count} texts were normalised to NFC; their spans cover the same characters at new offsets."


class ImportJobQuerySet(ProjectScopedQuerySet):
    def stale(self):
        """Running jobs whose worker has not been heard of for a while: it died (killed, out of memory)."""
        return self.filter(state=ImportState.RUNNING, heartbeat_at__lt=Now() - stale_after())


class ImportJob(models.Model):
    """An import run by the background worker, with its progress and outcomes."""

    State = ImportState

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker first started on it: what it stored since is its own (see tasks.own_articles).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    # How many inputs (JSON lines, files, the pasted text, the address) the job reads, and how
    # many of them are done: a job resumed after its worker died starts after those.
    total = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # Of the imported, how many texts came with decomposed characters, stored composed (NFC).
    normalised = models.PositiveIntegerField(default=0)
    # Database time of the running worker's last sign of life.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Each worker run takes the next number; a run that finds another number on the job has been
    # replaced (it was thought dead) and writes nothing more.
    run = models.PositiveIntegerField(default=0)
    # Runs found dead and started again; past IMPORT_JOB_MAX_RESTARTS the job fails.
    restarts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=ImportState.values), name="import_job_state_valid"),
        ]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"], name="import_job_by_heartbeat"),
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

    @property
    def normalised_summary(self) -> str:
        return normalised_summary(self.normalised) if self.normalised else ""

    @property
    def poll_delay(self) -> str:
        """How soon its page asks again how the job is doing: most imports are done within a
        few seconds, and waiting a whole second for each look made a pasted article take one."""
        return "250ms" if timezone.now() - self.created_at < FAST_POLL_FOR else "1s"

    @property
    def listed_in_part(self) -> bool:
        """Whether the outcomes listed are only the first of each kind (see JobOutcome)."""
        limit = settings.IMPORT_JOB_LISTED_OUTCOMES
        return max(self.imported, self.duplicates, self.refused) > limit


class ImportUpload(models.Model):
    """One input of a job, in the order given; its file waits in the import folder until the job ends.

    Only where the file is: its bytes never enter the database.
    """

    class Kind(models.TextChoices):
        FILE = "file"
        PASTED = "pasted"
        URL = "url"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="uploads")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.FILE)
    # The file's name as uploaded, "pasted text", or the web address.
    name = models.CharField(max_length=2000)
    path = models.CharField(max_length=1000, blank=True)
    # As received, even when a file over the limit was not kept (its refusal says how large it was).
    size = models.PositiveBigIntegerField(default=0)
    # The title given for pasted text.
    title = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class JobOutcome(models.Model):
    """What became of one article of a job, as its page lists it.

    Only the first IMPORT_JOB_LISTED_OUTCOMES of each kind are kept: the job counts the rest,
    so a crawler dump of a million lines does not become a million rows here.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="listed_outcomes")
    # Order among the job's outcomes.
    position = models.PositiveIntegerField()
    label = models.TextField()
    status = models.CharField(max_length=10, choices=Outcome)
    message = models.TextField(blank=True)
    article = models.ForeignKey("articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_outcome_once_per_position"),
            models.CheckConstraint(condition=models.Q(status__in=Outcome.values), name="job_outcome_status_valid"),
        ]

    def __str__(self):
        return f"{self.label}: {self.status}"

    @property
    def article_url(self) -> str:
        return self.article.get_absolute_url() if self.article else ""

    @property
    def article_title(self) -> str:
        return self.article.title if self.article else ""
