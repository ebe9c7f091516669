import os
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.annotations.models import Annotation, Link
from apps.articles.models import Article, Story
from apps.claims.models import Claim
from apps.exports.formats import FORMATS, export_chunks
from apps.exports.partials import PartialFile, PartialFileInUse, remove_abandoned_partials
from apps.exports.rows import Selection
from apps.exports.services import (
    FILTER_PARAMETERS,
    OVERLAP_NOTE,
    STATUS_CHOICES,
    chosen_status,
    export_context,
    export_title,
    filters_form,
    why_empty,
)
from apps.projects.models import Project


class Command(BaseCommand):
    help = (
        "Export PROJECT's annotations (optionally one article's, one story's, one analyst's, or those of one "
        "status) to standard output or a file; progress and what was written go to standard error. An export "
        "that would hold no annotation is refused with the reason."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project name or id.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="format_name")
        parser.add_argument("--article", type=int, help="Only this article (its id).")
        parser.add_argument("--story", type=int, help="Only the articles of this story (its id).")
        parser.add_argument(
            "--status",
            choices=STATUS_CHOICES,
            help=(
                "Only annotations in this state, or “all” for every state (default: approved for doccano and "
                "labelstudio, every state for the others)."
            ),
        )
        parser.add_argument("--analyst", default="", help="Only this analyst's annotations (their user name).")
        # The annotation list's filters, as its export links carry them.
        parser.add_argument("--kind", choices=Annotation.Kind.values, help="Only claims, quotes or facts.")
        parser.add_argument("--tag", help="Only annotations with this tag.")
        parser.add_argument("--language", help="Only annotations of articles in this language (ISO 639-1, or und).")
        parser.add_argument("--source", type=int, help="Only annotations linked to this source (its id).")
        parser.add_argument("--source-name", help="Only annotations linked to a source of this name or alias.")
        parser.add_argument("--role", choices=Link.Role.values, help="Only annotations with a source linked so.")
        parser.add_argument("--claim", type=int, help="Only the appearances of this claim (its id).")
        parser.add_argument("--since", help="Only annotations made on or after this day (YYYY-MM-DD).")
        parser.add_argument("--until", help="Only annotations made on or before this day (YYYY-MM-DD).")
        parser.add_argument(
            "--text", dest="q", help='Only annotations whose words, note or tags match ("a phrase", or, -word).'
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help=(
                "The site's public address, which the export's links and ids start with (default: SITE_URL, "
                "as in the browser's exports)."
            ),
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

    def export(self, project, format_name, article=None, story=None, status=None, analyst="", **options):
        output, base_url = options.get("output"), options.get("base_url", "")
        project = self.find_project(project)
        if article and not Article.objects.filter(pk=article, project=project).exists():
            raise CommandError(f"The project “{project}” has no article {article}.")
        if story and not Story.objects.filter(pk=story, project=project).exists():
            raise CommandError(f"The project “{project}” has no story {story}.")
        claim = options.get("claim")
        if claim and not Claim.objects.filter(pk=claim, project=project).exists():
            raise CommandError(f"The project “{project}” has no claim {claim}.")
        fmt = FORMATS[format_name]
        filters = filters_form({name: str(options[name]) for name in FILTER_PARAMETERS if options.get(name)})
        if not filters.is_valid():
            raise CommandError(f"These filters cannot be read: {filters.error_text()}")
        selection = Selection(
            project.pk,
            article_id=article,
            story_id=story,
            status=chosen_status(fmt, status),
            analyst=analyst,
            filters=filters.filters,
            claim=claim,
        )
        total = fmt.annotations(selection).count()
        if not total:
            # Said before anything is written: no empty file, nothing on standard output.
            raise CommandError(why_empty(fmt, selection, project))
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
        if options["verbosity"]:
            self.report(project, fmt, context.tally, output)

    def report(self, project, fmt, tally, output) -> None:
        """Say what the file holds, as written (not as read: doccano keeps a span marked twice once)."""
        where = output or "standard output"
        self.stderr.write(f"{tally.annotations} annotation(s) of “{project}” written to {where} as {fmt.label}.")
        if tally.overlapping:
            self.stderr.write(f"{tally.overlapping} span(s) overlap another. {OVERLAP_NOTE}")
        if tally.unattributed:
            names = ", ".join(sorted(tally.unattributed))
            self.stderr.write(
                f"No email address for {names}: without completed_by, Label Studio credits their annotations "
                "to whoever imports the file."
            )

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
