"""Exports of the annotation list's selection: its filters travel with a large export to the
background worker, and the command line takes them too."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.exports.models import ExportJob
from tests.conftest import client_for
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory
from tests.imports.conftest import run_worker

TEXT = "Talks went on. Arkady Mil-Man said the deal is a red light to the West. Others disagreed."


@pytest.fixture
def quotes(project, analyst, other_analyst):
    """Two quotes said by Arkady Mil-Man (one tagged), and a claim nobody is credited with."""
    milman = SourceFactory(project=project, name="Arkady Mil-Man")
    article = ArticleFactory(project=project, text=TEXT)
    start = TEXT.index("the deal")
    said = []
    for user, tags in ((analyst, ["sanctions"]), (other_analyst, [])):
        quote = AnnotationFactory(article=article, created_by=user, kind="quote", start=start, end=start + 8, tags=tags)
        LinkFactory(annotation=quote, source=milman, role="said_by")
        said.append(quote)
    AnnotationFactory(article=article, created_by=analyst, kind="claim", start=0, end=13)
    return said


def ids(text: str) -> list[int]:
    return sorted(int(row["annotation_id"]) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db(transaction=True)
def test_a_large_filtered_export_keeps_its_filters_in_the_background(client, analyst, project, quotes, settings):
    settings.EXPORT_STREAM_MAX_ANNOTATIONS = 1
    client_for(client, analyst)
    url = reverse("exports:project", args=[project.pk, "csv"]) + "?status=all&source_name=arkady+mil-man&role=said_by"
    asked = client.get(url).content.decode()
    assert "2 annotations" in asked  # the list's selection, not the project's 3
    client.post(url)
    job = ExportJob.objects.get()
    assert job.filters == {"source_name": "arkady mil-man", "role": "said_by"}
    run_worker()
    job.refresh_from_db()
    assert job.state == "done" and job.total == job.done == 2
    file = client.get(reverse("exports:job-file", args=[job.pk]))
    assert ids(b"".join(file.streaming_content).decode("utf-8-sig")) == sorted(q.pk for q in quotes)
    assert "filtered" in file["Content-Disposition"]


def test_the_command_line_takes_the_lists_filters(project, quotes, capsys):
    call_command("export", str(project.pk), "--format", "csv", "--source-name", "Mil- Man", "--role", "said_by")
    assert ids(capsys.readouterr().out) == sorted(q.pk for q in quotes)
    call_command("export", str(project.pk), "--format", "csv", "--tag", "sanctions", "--text", "deal")
    assert ids(capsys.readouterr().out) == [quotes[0].pk]
    with pytest.raises(CommandError, match="matches the filters"):
        call_command("export", str(project.pk), "--format", "csv", "--source-name", "Nobody")
    with pytest.raises(CommandError, match="until"):
        call_command("export", str(project.pk), "--format", "csv", "--since", "2026-02-01", "--until", "2026-01-01")


def test_the_export_page_of_a_selection_says_what_each_format_holds_of_it(client, analyst, project, quotes):
    client_for(client, analyst)
    page = reverse("exports:project-page", args=[project.pk]) + "?status=all&source_name=Mil-Man&role=said_by"
    html = client.get(page).content.decode()
    assert 'Only the annotations the list showed: <span dir="auto">linked to “Mil-Man” as said by</span>.' in html
    csv_row = html.split('class="export-format export-csv"')[1].split("</tr>")[0]
    assert "2 annotations of every status" in csv_row
    assert "source_name=Mil-Man" in csv_row and "role=said_by" in csv_row
    # ClaimReview has nothing of it for its own reason (quotes are no claims with a verdict), not the filters'.
    claimreview = html.split('class="export-format export-claimreview"')[1].split("</tr>")[0]
    assert "ClaimReview needs a claim with a verdict" in claimreview and "matches the filters" not in claimreview
