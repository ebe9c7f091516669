"""What an export is: its selection, its name, its address, what it holds or why it holds
nothing; and the background jobs for large ones."""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.text import slugify

from apps.annotations.forms import AnnotationFiltersForm
from apps.annotations.models import Annotation, AnnotationFilters
from apps.articles.models import Article, Story
from apps.exports.formats import FORMATS, ExportContext, Format, Progress
from apps.exports.models import ExportJob
from apps.exports.rows import Selection, overlapping

# The `status` that asks for annotations of every status (no status is the format's default).
EVERY_STATUS = "all"
STATUS_CHOICES = [*Annotation.Status.values, EVERY_STATUS]
OVERLAP_NOTE = (
    "doccano keeps overlapping spans only in a project with “Allow overlapping spans” set: "
    "a default project drops them on import without a word."
)
LABEL_STUDIO_NOTE = (
    "Each analyst's spans are a separate annotation of the task, completed_by their email address: Label Studio "
    "credits it to its member with that address (an address it does not know is refused, unless it runs with "
    "ALLOW_IMPORT_TASKS_WITH_UNKNOWN_EMAILS=true); an analyst without one goes to whoever imports the file."
)


def chosen_status(fmt: Format, asked: str | None) -> str:
    """The status the export of `fmt` holds when `asked` for one ("" = every status).

    Nothing asked means the format's default: approved for the training formats (doccano,
    Label Studio), every status for the others.
    """
    if not asked:
        return fmt.default_status
    return "" if asked == EVERY_STATUS else asked


def asked_status(fmt: Format, selection: Selection) -> str:
    """What to ask for to get `selection.status` in `fmt` ("" when it is the default)."""
    if selection.status == fmt.default_status:
        return ""
    return selection.status or EVERY_STATUS


def export_query(fmt: Format, selection: Selection) -> str:
    query = {"status": asked_status(fmt, selection), "analyst": selection.analyst}
    query = {name: value for name, value in query.items() if value} | selection.filters.as_parameters()
    return "?" + urlencode(query) if query else ""


def export_path(fmt: Format, selection: Selection) -> str:
    """The address the export is downloaded from, which is also its IRI."""
    if selection.article_id:
        path = reverse("exports:article", args=[selection.article_id, fmt.name])
    elif selection.story_id:
        path = reverse("exports:story", args=[selection.story_id, fmt.name])
    else:
        path = reverse("exports:project", args=[selection.project_id, fmt.name])
    return path + export_query(fmt, selection)


def page_path(selection: Selection) -> str:
    """The page that says what each format of the selection holds (the list's filters kept)."""
    if selection.article_id:
        path = reverse("exports:article-page", args=[selection.article_id])
    elif selection.story_id:
        path = reverse("exports:story-page", args=[selection.story_id])
    else:
        path = reverse("exports:project-page", args=[selection.project_id])
    filters = selection.filters.as_parameters()
    return path + ("?" + urlencode(filters) if filters else "")


def scope_name(project, selection: Selection) -> str:
    if selection.article_id:
        return f"the article “{Article.objects.values_list('title', flat=True).get(pk=selection.article_id)}”"
    if selection.story_id:
        return f"the story “{Story.objects.values_list('title', flat=True).get(pk=selection.story_id)}”"
    return f"the project “{project.name}”"


def export_title(project, selection: Selection) -> str:
    title = scope_name(project, selection).removeprefix("the article ")
    status = f"{selection.status} annotations" if selection.status else "Annotations"
    analyst = f" by {selection.analyst}" if selection.analyst else ""
    narrowed = f" ({', '.join(selection.filters.described())})" if selection.filters else ""
    return f"{status[0].upper()}{status[1:]}{analyst}{narrowed} of {title}"


def export_file_name(project, fmt: Format, selection: Selection) -> str:
    scope = (
        f"article-{selection.article_id}"
        if selection.article_id
        else f"story-{selection.story_id}"
        if selection.story_id
        else "project"
    )
    status = asked_status(fmt, selection) or selection.status
    parts = [
        "sourcetrace",
        slugify(project.name)[:60] or f"project-{project.pk}",
        scope,
        status,
        slugify(selection.analyst)[:60],
        "filtered" if selection.filters else "",
        fmt.name,
    ]
    return "-".join(part for part in parts if part) + "." + fmt.extension


def export_context(
    fmt: Format, selection: Selection, *, base_url: str, title: str, progress: Progress | None = None
) -> ExportContext:
    return ExportContext(base_url=base_url, id=base_url + export_path(fmt, selection), label=title, progress=progress)


def job_selection(job: ExportJob) -> Selection:
    return Selection(
        job.project_id,
        article_id=job.article_id,
        story_id=job.story_id,
        status=job.status,
        analyst=job.analyst,
        filters=stored_filters(job.filters),
    )


# The annotation list's filters an export reads from its address; its own status and analyst
# are the export's parameters of old.
FILTER_PARAMETERS = ("q", "kind", "tag", "language", "source", "source_name", "role", "since", "until")


def filters_form(data) -> AnnotationFiltersForm:
    """The list's filters from an export's address (or a stored job's), status and author aside."""
    return AnnotationFiltersForm({name: data[name] for name in FILTER_PARAMETERS if data.get(name)})


def stored_filters(parameters: dict) -> AnnotationFilters:
    """A job's filters, stored as the address's parameters once they were found valid."""
    form = filters_form(parameters or {})
    return form.filters if form.is_valid() else AnnotationFilters()


def export_dir():
    folder = settings.EXPORT_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def counted(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def why_empty(fmt: Format, selection: Selection, project) -> str:
    """Why the export of `selection` in `fmt` would hold no annotation, so that a person can act on it."""
    scope = scope_name(project, selection)
    by = f" by “{selection.analyst}”" if selection.analyst else ""
    if selection.filters and not replace(selection, status="").annotations().exists():
        unfiltered = replace(selection, filters=AnnotationFilters())
        if unfiltered.annotations().exists():
            return (
                f"Nothing to export: no annotation{by} in {scope} matches the filters "
                f"({', '.join(selection.filters.described())}). Change them on the list of annotations."
            )
        selection = unfiltered
    if not selection.articles().exists():
        return f"Nothing to export: {scope} has no articles yet."
    if fmt.name == "claimreview":
        return why_no_claim_review(selection, scope, by)
    every_status = replace(selection, status="")
    counts = dict(every_status.annotations().order_by().values_list("status").annotate(n=Count("pk")))
    if not counts:
        if selection.analyst and replace(every_status, analyst="").annotations().exists():
            return f"Nothing to export: “{selection.analyst}” has no annotation in {scope}."
        return f"Nothing to export: {scope} has no annotations yet."
    there = listed([f"{counts[status]} {status}" for status in Annotation.Status.values if status in counts])
    default = " (the default for this format)" if selection.status == fmt.default_status else ""
    return (
        f"Nothing to export: no {selection.status} annotation{by} in {scope}{default}, which has {there}. "
        f"Choose another status, or “{EVERY_STATUS}” for every status."
    )


def listed(items: list[str]) -> str:
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def why_no_claim_review(selection: Selection, scope: str, by: str) -> str:
    needs = (
        "ClaimReview needs a claim with a verdict (set by a reviewer or manager on the claim's page), "
        "one review per claim with its appearances."
    )
    marked = replace(selection, status="").annotations().filter(kind=Annotation.Kind.CLAIM)
    if selection.status:
        marked = selection.annotations().filter(kind=Annotation.Kind.CLAIM)
    if not marked.exists():
        status = f" {selection.status}" if selection.status else ""
        return f"Nothing to export: {scope} has no{status} claim annotation{by}; {needs}"
    attached = marked.filter(appearance__isnull=False)
    if not attached.exists():
        count = marked.count()
        return (
            f"Nothing to export: {counted(count, 'claim annotation')}{by} in {scope}, but none is an appearance of "
            f"a claim yet (attach them from the workbench's panel); {needs}"
        )
    claims = attached.order_by().values("appearance__claim").distinct().count()
    have = "has" if claims == 1 else "have"
    return f"Nothing to export: the {counted(claims, 'claim')} of these annotations {have} no verdict yet; {needs}"


@dataclass
class FormatSummary:
    """What the export of a selection in one format holds, for its page."""

    format: Format
    selection: Selection
    count: int
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return export_path(self.format, self.selection)

    @property
    def holds(self) -> str:
        by = f" by {self.selection.analyst}" if self.selection.analyst else ""
        if self.format.name == "claimreview":
            return counted(self.count, "appearance") + f"{by} of claims with a verdict"
        status = f"{self.selection.status} " if self.selection.status else ""
        every = "" if self.selection.status else " of every status"
        kind = "span" if self.format.distinct_by else "annotation"
        return f"{counted(self.count, status + kind, status + kind + 's')}{every}{by}"


def format_summary(fmt: Format, selection: Selection, project) -> FormatSummary:
    """What `fmt` would hold of `selection` (whose status is the one chosen for it), or why nothing."""
    count = fmt.count(selection)
    summary = FormatSummary(fmt, selection, count)
    if not count:
        summary.reason = why_empty(fmt, selection, project)
        return summary
    if fmt.name == "doccano":
        spans = overlapping_spans(fmt, selection)
        if spans:
            summary.notes.append(f"{counted(spans, 'span')} overlap another. {OVERLAP_NOTE}")
    if fmt.name == "labelstudio":
        summary.notes.append(LABEL_STUDIO_NOTE)
    return summary


def overlapping_spans(fmt: Format, selection: Selection) -> int:
    """How many of the spans the doccano file would hold overlap another span of their text."""
    rows = fmt.annotations(selection).order_by("article_id").values_list("article_id", "start", "end", "kind")
    total, spans, current = 0, set(), None
    for article_id, start, end, kind in rows.distinct().iterator(chunk_size=5000):
        if article_id != current:
            total += overlapping((s, e) for s, e, _ in spans)
            spans, current = set(), article_id
        spans.add((start, end, kind))
    return total + overlapping((s, e) for s, e, _ in spans)


def format_summaries(selection: Selection, project, status: str = "") -> list[FormatSummary]:
    """What each format holds of `selection`, at the status asked for or each format's default."""
    return [
        format_summary(fmt, replace(selection, status=chosen_status(fmt, status)), project) for fmt in FORMATS.values()
    ]
