import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Take over the import job tables that the articles app created (articles 0004)."""

    initial = True

    dependencies = [
        ("articles", "0004_import_jobs"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE articles_importjob RENAME TO imports_importjob;"
                    "ALTER TABLE articles_importupload RENAME TO imports_importupload;",
                    "ALTER TABLE imports_importjob RENAME TO articles_importjob;"
                    "ALTER TABLE imports_importupload RENAME TO articles_importupload;",
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "state",
                            models.CharField(
                                choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("total", models.PositiveIntegerField(blank=True, null=True)),
                        ("imported", models.PositiveIntegerField(default=0)),
                        ("duplicates", models.PositiveIntegerField(default=0)),
                        ("refused", models.PositiveIntegerField(default=0)),
                        ("outcomes", models.JSONField(blank=True, default=list)),
                        ("error", models.TextField(blank=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="import_jobs", to="projects.project"
                            ),
                        ),
                    ],
                    options={"ordering": ["-created_at", "-id"]},
                ),
                migrations.CreateModel(
                    name="ImportUpload",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=500)),
                        ("data", models.BinaryField()),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="uploads", to="imports.importjob"
                            ),
                        ),
                    ],
                    options={"ordering": ["pk"]},
                ),
                migrations.AddConstraint(
                    model_name="importjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("state__in", ["queued", "running", "done", "failed"])),
                        name="import_job_state_valid",
                    ),
                ),
            ],
        ),
    ]
