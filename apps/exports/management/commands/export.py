import os
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.annotations.models import Annotation
from apps.articles.models import Article, Story
from apps.exports.formats import FORMATS, export_chunks
from apps.exports.partials import PartialFile, PartialFileInUse, remove_abandoned_partials
from apps.exports.rows import Selection
from apps.exports.services import export_context, export_title
from apps.projects.models import Project


class Command(BaseCommand):
    help = (
        "Export PROJECT's annotations (optionally one article's, one story's, or those of one status) "
        "to standard output or a file; progress goes to standard error."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name or id.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="format_name")
        parser.add_argument("--article", type=int, help="Only this article (its id).")
        parser.add_argument("--story", type=int, help="Only the articles of this story (its id).")
        parser.add_argument("--status", choices=Annotation.Status.values, help="Only annotations in this state.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url",
            default=settings.EXPORT_BASE_URL,
            help="Where the app is served, to make the export's links absolute (default: EXPORT_BASE_URL).",
        )

    def handle(self, *args, **options):
        for partial in remove_abandoned_partials():
            self.stderr.write(f"Deleted {partial}, left by an export that was stopped.")
        # A supervisor's or kill's SIGTERM stops it as Ctrl-C does: the partial file is deleted.
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            self.export(*args, **options)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def export(self, project, format_name, article=None, story=None, status=None, output=None, base_url="", **options):
        project = self.find_project(project)
        if article and not Article.objects.filter(pk=article, project=project).exists():
            raise CommandError(f"The project “{project}” has no article {article}.")
        if story and not Story.objects.filter(pk=story, project=project).exists():
            raise CommandError(f"The project “{project}” has no story {story}.")
        fmt = FORMATS[format_name]
        selection = Selection(project.pk, article_id=article, story_id=story, status=status or "")
        total = selection.count()
        with tqdm(total=total, unit=" annotations", file=sys.stderr, disable=options["verbosity"] == 0 or None) as bar:
            context = export_context(
                fmt,
                selection,
                base_url=base_url.rstrip("/"),
                title=export_title(project, selection),
                progress=bar.update,
            )
            chunks = export_chunks(fmt, selection, context)
            try:
                if output:
                    self.write_file(output, chunks)
                else:
                    self.write_stdout(chunks)
            except KeyboardInterrupt:
                kept = f"; {output} was not written" if output else ""
                raise CommandError(f"Stopped before the end of the export{kept}.") from None
        if output:
            self.stderr.write(f"{total} annotation(s) of “{project}” written to {output} as {fmt.label}.")

    def write_file(self, output: str, chunks) -> None:
        """Write to a file beside the output and rename it once complete: a stopped export leaves no half file."""
        try:
            with PartialFile(Path(output)) as partial:
                for chunk in chunks:
                    partial.file.write(chunk)
                partial.complete()
        except PartialFileInUse:
            raise CommandError(f"Another export is writing {output} now.") from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None

    def write_stdout(self, chunks) -> None:
        try:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): not an error of the export's.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def find_project(self, name_or_id: str) -> Project:
        """By name, or by id as import_articles takes it."""
        projects = Project.objects.filter(name=name_or_id)
        if name_or_id.isdigit():
            projects = projects | Project.objects.filter(pk=int(name_or_id))
        project = projects.first()
        if project is None:
            raise CommandError(f"There is no project “{name_or_id}”.")
        return project
