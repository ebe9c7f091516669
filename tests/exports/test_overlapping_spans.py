"""A doccano file with overlapping spans says that doccano drops them unless its project allows them."""

import io

from django.core.management import call_command
from django.urls import reverse

from tests.conftest import client_for
from tests.exports.conftest import mark
from tests.factories import ArticleFactory

ALLOW_OVERLAP = "doccano keeps overlapping spans only in a project with “Allow overlapping spans” set"


def test_a_doccano_file_with_overlapping_spans_says_doccano_keeps_them_only_when_allowed(
    client, analyst, project, seeded, tmp_path
):
    errors = io.StringIO()
    output = tmp_path / "spans.jsonl"
    call_command("export", str(project.pk), "--format", "doccano", "--status", "all", "-o", str(output), stderr=errors)
    # The two English claims overlap: "Belarus is in fact ... Russia" and the same words "and operates".
    assert f"2 span(s) overlap another. {ALLOW_OVERLAP}" in errors.getvalue()

    client_for(client, analyst)
    html = client.get(reverse("exports:project-page", args=[project.pk]), {"status": "all"}).content.decode()
    doccano = html[html.index('class="export-format export-doccano"') :]
    assert "2 spans overlap another. " + ALLOW_OVERLAP in doccano[: doccano.index("</tr>")]
    # A file without overlapping spans says nothing of it, nor do the other formats.
    assert html.count(ALLOW_OVERLAP) == 1
    german = seeded["german"]
    html = client.get(reverse("exports:article-page", args=[german.pk]), {"status": "all"}).content.decode()
    assert ALLOW_OVERLAP not in html
    errors = io.StringIO()
    options = ["--format", "doccano", "--status", "all", "--article", str(german.pk), "-o", str(output)]
    call_command("export", str(project.pk), *options, stderr=errors)
    assert ALLOW_OVERLAP not in errors.getvalue()


def test_spans_of_the_same_place_with_two_labels_overlap_too(project, analyst, other_analyst, tmp_path):
    article = ArticleFactory(project=project, text="The minister said the plan works.")
    mark(article, analyst, "claim", "the plan works")
    mark(article, other_analyst, "claim", "the plan works")  # the same span: one span of doccano's
    errors = io.StringIO()
    output = tmp_path / "spans.jsonl"
    call_command("export", str(project.pk), "--format", "doccano", "--status", "all", "-o", str(output), stderr=errors)
    assert ALLOW_OVERLAP not in errors.getvalue()
    mark(article, other_analyst, "fact", "the plan works")
    errors = io.StringIO()
    call_command("export", str(project.pk), "--format", "doccano", "--status", "all", "-o", str(output), stderr=errors)
    assert "2 span(s) overlap another" in errors.getvalue()
