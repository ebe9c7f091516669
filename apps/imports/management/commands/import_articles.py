import os
import sys
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.imports.parallel import import_in_parallel
from apps.imports.readers import ACCEPTED_SUFFIXES, JsonLine, LocalFile
from apps.projects.models import Project

STREAMED_SUFFIXES = {".jsonl", ".ndjson"}


class Command(BaseCommand):
    help = "Import articles into PROJECT from files, folders (recursively) and '-' (JSON lines on stdin)."
    # The checks inspect the whole project (URLs, admin, templates) and add to every run;
    # `manage.py check` and the server run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name or id.")
        parser.add_argument("paths", nargs="+", help="Files, folders, or - for JSON lines on standard input.")
        parser.add_argument("--user", help="User name recorded as importer (and author of imported spans).")
        parser.add_argument(
            "--processes",
            type=int,
            default=os.process_cpu_count() or 1,
            help="Processes that read and store the input (default: one per CPU).",
        )

    def handle(self, project, paths, user=None, processes=1, **options):
        project = self.find_project(project)
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"There is no user called “{user}”.")
        outcomes = import_in_parallel(project=project, jobs=self.jobs(paths), user=importer, processes=processes)
        summary, refusals = Counter(), []
        for outcome in tqdm(outcomes, unit=" articles", disable=not sys.stderr.isatty(), file=sys.stderr):
            summary[outcome.status] += 1
            if outcome.status == "refused":
                refusals.append(f"  {outcome.label}: {outcome.message}")
        self.stdout.write(
            f"{summary['imported']} imported, {summary['duplicate']} duplicate(s) skipped, "
            f"{summary['refused']} refused."
        )
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

    def jobs(self, paths):
        """Check every path first, so a typo fails before anything is imported; then stream the jobs."""
        files = {raw: list(self.expand(raw)) for raw in paths if raw != "-"}
        for raw in paths:
            if raw == "-":
                yield from (
                    JsonLine(f"stdin line {n}", line) for n, line in enumerate(sys.stdin, start=1) if line.strip()
                )
            else:
                for path in files[raw]:
                    if path.suffix.lower() in STREAMED_SUFFIXES:
                        yield from self.lines_of(path)
                    else:
                        yield LocalFile(str(path))

    def lines_of(self, path: Path):
        """A JSON Lines file line by line, however large: crawler dumps run to gigabytes."""
        with path.open("rb") as file:
            for number, line in enumerate(file, start=1):
                if line.strip():
                    yield JsonLine(f"{path} line {number}", line.rstrip(b"\r\n"))

    def expand(self, raw: str):
        path = Path(raw)
        if path.is_dir():
            return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES)
        if path.is_file():
            return [path]
        raise CommandError(f"“{raw}” is neither a file nor a folder.")
