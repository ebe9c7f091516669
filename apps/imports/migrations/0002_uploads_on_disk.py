import tempfile
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.urls import Resolver404, resolve


def move_uploads_to_disk(apps, schema_editor):
    """Write the files of unfinished jobs to the import folder before their blobs are dropped."""
    ImportUpload = apps.get_model("imports", "ImportUpload")
    pending = ImportUpload.objects.exclude(job__state__in=["done", "failed"]).order_by("job", "pk")
    if not pending.exists():
        return
    root = Path(getattr(settings, "IMPORT_DIR", settings.BASE_DIR / ".data" / "imports"))
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folders = {}
    for upload in pending.iterator():
        if upload.job_id not in folders:
            folders[upload.job_id] = Path(tempfile.mkdtemp(prefix="job-", dir=root))
        path = folders[upload.job_id] / f"{upload.pk}.upload"
        data = bytes(upload.data)
        with open(path, "xb") as file:
            file.write(data)
        upload.path, upload.size = str(path), len(data)
        upload.save(update_fields=["path", "size"])


def move_uploads_back(apps, schema_editor):
    ImportUpload = apps.get_model("imports", "ImportUpload")
    for upload in ImportUpload.objects.exclude(path="").iterator():
        path = Path(upload.path)
        if path.is_file():
            upload.data = path.read_bytes()
            upload.save(update_fields=["data"])


def list_kept_outcomes(apps, schema_editor):
    """Keep the outcome tables of finished jobs as rows, the first IMPORT_JOB_LISTED_OUTCOMES of each kind."""
    Article = apps.get_model("articles", "Article")
    ImportJob = apps.get_model("imports", "ImportJob")
    JobOutcome = apps.get_model("imports", "JobOutcome")
    limit = getattr(settings, "IMPORT_JOB_LISTED_OUTCOMES", 10_000)
    for job in ImportJob.objects.exclude(outcomes=[]).iterator():
        rows, seen = [], {}
        for position, outcome in enumerate(job.outcomes):
            status = outcome.get("status")
            seen[status] = seen.get(status, 0) + 1
            if status not in {"imported", "duplicate", "refused"} or seen[status] > limit:
                continue
            rows.append(
                JobOutcome(
                    job=job,
                    position=position,
                    label=outcome.get("label", ""),
                    status=status,
                    message=outcome.get("message", ""),
                    article_id=article_id(outcome.get("article_url")),
                )
            )
        existing = set(Article.objects.filter(pk__in={row.article_id for row in rows}).values_list("pk", flat=True))
        for row in rows:
            row.article_id = row.article_id if row.article_id in existing else None
        JobOutcome.objects.bulk_create(rows)


def article_id(url: str | None) -> int | None:
    try:
        return int(resolve(url).kwargs["article_pk"]) if url else None
    except (Resolver404, KeyError, ValueError):
        return None


class Migration(migrations.Migration):
    """Uploads wait as files in the import folder, not as blobs; outcomes are rows, bounded per job."""

    dependencies = [
        ("articles", "0008_web_urls_only"),
        ("imports", "0001_initial"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="JobOutcome",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("label", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[("imported", "Imported"), ("duplicate", "Duplicate"), ("refused", "Refused")],
                        max_length=10,
                    ),
                ),
                ("message", models.TextField(blank=True)),
                (
                    "article",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="articles.article",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="listed_outcomes",
                        to="imports.importjob",
                    ),
                ),
            ],
            options={"ordering": ["job", "position"]},
        ),
        migrations.AddConstraint(
            model_name="joboutcome",
            constraint=models.UniqueConstraint(fields=("job", "position"), name="job_outcome_once_per_position"),
        ),
        migrations.AddConstraint(
            model_name="joboutcome",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["imported", "duplicate", "refused"])),
                name="job_outcome_status_valid",
            ),
        ),
        migrations.AddField(
            model_name="importjob", name="heartbeat_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(model_name="importjob", name="position", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="importjob", name="restarts", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="importjob", name="run", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(
            model_name="importjob", name="started_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddIndex(
            model_name="importjob",
            index=models.Index(fields=["state", "heartbeat_at"], name="import_job_by_heartbeat"),
        ),
        migrations.AddField(
            model_name="importupload",
            name="kind",
            field=models.CharField(
                choices=[("file", "File"), ("pasted", "Pasted"), ("url", "Url")], default="file", max_length=10
            ),
        ),
        migrations.AddField(model_name="importupload", name="path", field=models.CharField(blank=True, max_length=1000)),
        migrations.AddField(model_name="importupload", name="size", field=models.PositiveBigIntegerField(default=0)),
        migrations.AddField(model_name="importupload", name="title", field=models.CharField(blank=True, max_length=500)),
        migrations.AlterField(model_name="importupload", name="name", field=models.CharField(max_length=2000)),
        migrations.RunPython(move_uploads_to_disk, move_uploads_back),
        migrations.RunPython(list_kept_outcomes, migrations.RunPython.noop),
        # A default, so that the column can come back if this migration is reversed.
        migrations.AlterField(model_name="importupload", name="data", field=models.BinaryField(default=b"")),
        migrations.RemoveField(model_name="importupload", name="data"),
        migrations.RemoveField(model_name="importjob", name="outcomes"),
    ]
