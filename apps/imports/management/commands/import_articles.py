import os
import sys
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pghistory
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from apps.articles.services import refresh_statistics
from apps.imports.inputs import file_inputs, stream_lines
from apps.imports.models import Outcome, normalised_summary
from apps.imports.parallel import GracefulStop, import_in_parallel
from apps.imports.readers import ACCEPTED_SUFFIXES
from apps.imports.store import IMPORT_ACCOUNT
from apps.projects.models import Project
from config.middleware import is_database_outage

# The bar's monitor thread only hurries a stalled bar along, and a process with a second thread
# may not fork its import processes (see parallel.worker_context).
tqdm.monitor_interval = 0


class Command(BaseCommand):
    help = (
        "Import articles into PROJECT from files, folders (recursively) and '-' (JSON lines on stdin). "
        "Ctrl-C or SIGTERM stops it after the articles under way, saying how far it got."
    )
    # The checks inspect the whole project (URLs, admin, templates) and add to every run;
    # `manage.py check` and the server run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name or id.")
        parser.add_argument("paths", nargs="+", help="Files, folders, or - for JSON lines on standard input.")
        parser.add_argument(
            "--user",
            help=f"User name recorded as importer and author of imported spans (default: spans by “{IMPORT_ACCOUNT}”).",
        )
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
        inputs = self.inputs(paths, {raw: self.expand(raw) for raw in paths if raw != "-"})
        summary, refusals, spans_left_out, broken = Counter(), [], [], ""
        with (
            pghistory.context(command="import_articles", user=importer.pk if importer else None),
            GracefulStop() as stop,
        ):
            outcomes = import_in_parallel(project=project, inputs=inputs, user=importer, processes=processes, stop=stop)
            try:
                for outcome in tqdm(outcomes, unit=" articles", disable=not sys.stderr.isatty(), file=sys.stderr):
                    summary[outcome.status] += 1
                    summary["spans placed"] += outcome.spans_placed
                    summary["spans skipped"] += outcome.spans_skipped
                    summary["normalised"] += outcome.status == Outcome.IMPORTED and outcome.normalised
                    if outcome.status == Outcome.REFUSED:
                        refusals.append(f"  {outcome.label}: {outcome.message}")
                    elif outcome.spans_skipped:
                        spans_left_out.append(f"  {outcome.label}: {outcome.message}")
            except KeyboardInterrupt:
                stop.requested = True
            except BrokenProcessPool:
                broken = "A worker process died (killed, or out of memory)."
            except DatabaseError as error:
                if not is_database_outage(error):
                    raise
                # Nobody is to be kept waiting: the import stops and says how far it got.
                broken = "The database could not be reached."
            finally:
                outcomes.close()
        if not broken:
            refresh_statistics(summary["imported"])
        counts = (
            f"{summary['imported']} imported, {summary['duplicate']} duplicate(s) skipped, "
            f"{summary['refused']} refused."
        )
        articles = summary["imported"] + summary["duplicate"] + summary["refused"]
        self.stdout.write(f"Stopped after {articles} articles: {counts}" if stop.requested or broken else counts)
        if summary["spans placed"] or summary["spans skipped"]:
            author = importer.get_username() if importer else IMPORT_ACCOUNT
            self.stdout.write(
                f"{summary['spans placed']} spans placed, {summary['spans skipped']} skipped; "
                f"placed spans are drafts by “{author}”."
            )
        if summary["normalised"]:
            self.stdout.write(normalised_summary(summary["normalised"]))
        if refusals:
            self.stdout.write("Refused:\n" + "\n".join(refusals))
        if spans_left_out:
            self.stdout.write("Spans left out:\n" + "\n".join(spans_left_out))
        if stop.requested or broken:
            self.stdout.write(
                f"{broken} Run the same import again to add the rest: what is stored already is skipped.".strip()
            )
            sys.exit(1)

    def find_project(self, name_or_id: str) -> Project:
        projects = Project.objects.filter(name=name_or_id)
        if name_or_id.isdigit():
            projects = projects | Project.objects.filter(pk=int(name_or_id))
        project = projects.first()
        if project is None:
            raise CommandError(f"There is no project “{name_or_id}”. Create it in the admin first.")
        return project

    def inputs(self, paths: list[str], files: dict[str, list[tuple[Path, str]]]):
        """Stream the inputs of every path; `files` lists what each path names, checked before anything is imported."""
        for raw in paths:
            if raw == "-":
                yield from stream_lines(sys.stdin.buffer, "stdin")
            else:
                for path, name in files[raw]:
                    yield from file_inputs(path, name)

    def expand(self, raw: str) -> list[tuple[Path, str]]:
        """The files a path argument names, each with the name it is known by in the import.

        That name is the file's path under the folder given, or the name of a file given
        itself: it is stored with the article and shown to every analyst, so it must not
        carry the importing machine's folders.
        """
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES)
            return [(p, p.relative_to(path).as_posix()) for p in found]
        if path.is_file():
            return [(path, path.name)]
        raise CommandError(f"“{raw}” is neither a file nor a folder.")
