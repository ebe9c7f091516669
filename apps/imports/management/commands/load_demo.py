from pathlib import Path

import pghistory
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.articles.matching import match_stories
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from apps.projects.models import Project, Role
from apps.projects.services import add_member

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_PROJECT = "Demo: Belarus–Pakistan military cooperation"
# Local demo only: these accounts exist in whatever database `make run` uses. Their roles in
# the demo project are all they have: none is staff or superuser.
DEMO_USERS = [
    ("analyst", "analyst-demo-pass", Role.ANALYST),
    ("reviewer", "reviewer-demo-pass", Role.REVIEWER),
    ("manager", "manager-demo-pass", Role.MANAGER),
]


class Command(BaseCommand):
    help = "Create the demo project, one user per role, and import the sample articles (idempotent)."

    @pghistory.context(command="load_demo")
    def handle(self, *args, **options):
        with transaction.atomic():
            project, _ = Project.objects.get_or_create(
                name=DEMO_PROJECT, defaults={"description": "The two sample articles: one report, English and German."}
            )
            users = []
            for username, password, role in DEMO_USERS:
                user, created = get_user_model().objects.get_or_create(username=username)
                if created:
                    user.set_password(password)
                    user.save()
                if not project.members.filter(pk=user.pk).exists():
                    add_member(project=project, user=user, role=role, by=None)
                users.append((username, password, role))
        items = []
        for path in sorted(DEMO_DIR.glob("*.txt")):
            items.extend(read_upload(path.name, path.read_bytes()))
        outcomes = import_items(project=project, items=items, user=None)
        imported = sum(outcome.status == "imported" for outcome in outcomes)
        # The demo shows its two articles as one story at once, without waiting for the worker.
        match_stories(article_ids=list(project.articles.values_list("pk", flat=True)))
        self.stdout.write(
            f"Demo project “{project}”: {imported} article(s) imported, {len(outcomes) - imported} already there."
        )
        self.stdout.write("Demo logins (user name / password):")
        for username, password, role in users:
            self.stdout.write(f"  {username:<9} / {password:<20} ({role})")
