import sys
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.articles.importing import ACCEPTED_SUFFIXES, read_json_lines, read_upload
from apps.articles.services import import_items
from apps.projects.models import Project


class Command(BaseCommand):
    help = "Import articles into PROJECT from files, folders (recursively) and '-' (JSON lines on stdin)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name or id.")
        parser.add_argument("paths", nargs="+", help="Files, folders, or - for JSON lines on standard input.")
        parser.add_argument("--user", help="User name recorded as importer (and author of imported spans).")

    def handle(self, project, paths, user=None, **options):
        project = self.find_project(project)
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"There is no user called “{user}”.")
        files = list(self.expand(paths))
        summary, refusals = Counter(), []
        progress = tqdm(files, unit="file", disable=not sys.stderr.isatty(), file=sys.stderr)
        for path in progress:
            if path == "-":
                items = read_json_lines("stdin", sys.stdin)
            else:
                items = read_upload(str(path), path.read_bytes())
            for outcome in import_items(project=project, items=items, user=importer):
                summary[outcome.status] += 1
                if outcome.status == "refused":
                    refusals.append(f"  {outcome.label}: {outcome.message}")
        self.stdout.write(f"{summary['imported']} imported, {summary['duplicate']} duplicate(s) skipped, "
                          f"{summary['refused']} refused.")
        if refusals:
            self.stdout.write("Refused:\n" + "\n".join(refusals))

    def find_project(self, name_or_id: str) -> Project:
        projects = Project.objects.filter(name=name_or_id)
        if name_or_id.isdigit():
            projects = projects | Project.objects.filter(pk=int(name_or_id))
        project = projects.first()
        if project is None:
            raise CommandError(f"There is no project “{name_or_id}”. Create it in the admin first.")
        return project

    def expand(self, paths):
        for raw in paths:
            if raw == "-":
                yield "-"
                continue
            path = Path(raw)
            if path.is_dir():
                yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES)
            elif path.is_file():
                yield path
            else:
                raise CommandError(f"“{raw}” is neither a file nor a folder.")
