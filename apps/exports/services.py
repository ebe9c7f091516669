"""What an export is: its selection, its name, its address; and the background jobs for large ones."""

from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify

from apps.articles.models import Article, Story
from apps.exports.formats import ExportContext, Format, Progress
from apps.exports.models import ExportJob
from apps.exports.rows import Selection


def export_path(fmt: Format, selection: Selection) -> str:
    """The address the export is downloaded from, which is also its IRI."""
    if selection.article_id:
        path = reverse("exports:article", args=[selection.article_id, fmt.name])
    elif selection.story_id:
        path = reverse("exports:story", args=[selection.story_id, fmt.name])
    else:
        path = reverse("exports:project", args=[selection.project_id, fmt.name])
    return path + (f"?status={selection.status}" if selection.status else "")


def export_title(project, selection: Selection) -> str:
    if selection.article_id:
        title = f"“{Article.objects.values_list('title', flat=True).get(pk=selection.article_id)}”"
    elif selection.story_id:
        title = f"the story “{Story.objects.values_list('title', flat=True).get(pk=selection.story_id)}”"
    else:
        title = f"the project “{project.name}”"
    status = f"{selection.status} annotations" if selection.status else "Annotations"
    return f"{status} of {title}"


def export_file_name(project, fmt: Format, selection: Selection) -> str:
    scope = (
        f"article-{selection.article_id}"
        if selection.article_id
        else f"story-{selection.story_id}"
        if selection.story_id
        else "project"
    )
    parts = ["sourcetrace", slugify(project.name)[:60] or f"project-{project.pk}", scope, selection.status, fmt.name]
    return "-".join(part for part in parts if part) + "." + fmt.extension


def export_context(
    fmt: Format, selection: Selection, *, base_url: str, title: str, progress: Progress | None = None
) -> ExportContext:
    return ExportContext(base_url=base_url, id=base_url + export_path(fmt, selection), label=title, progress=progress)


def job_selection(job: ExportJob) -> Selection:
    return Selection(job.project_id, article_id=job.article_id, story_id=job.story_id, status=job.status)


def export_dir():
    folder = settings.EXPORT_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
