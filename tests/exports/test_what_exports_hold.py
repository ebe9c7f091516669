"""Exports say what they hold: the status and analyst they were asked for, each analyst apart in
Label Studio, and why an export would be empty instead of an empty file."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.claims.services import create_claim_from, set_verdict
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.conftest import client_for
from tests.exports.conftest import mark
from tests.factories import ArticleFactory, ProjectFactory
from tests.imports.conftest import manage

TEXT = "The minister said the plan works. Critics said the plan fails. Nobody checked the numbers."


def span(words: str, label: str) -> list:
    start = TEXT.index(words)
    return [start, start + len(words), label]


CLAIM, QUOTE, FACT = (
    span("the plan works", "CLAIM"),
    span("Critics said the plan fails", "QUOTE"),
    span("Nobody checked the numbers", "FACT"),
)


def approve(*annotations):
    Annotation.objects.filter(pk__in=[a.pk for a in annotations]).update(status="approved", reviewed_at=timezone.now())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture
def two_analysts(project, analyst, other_analyst):
    """One text both analysts marked: the same claim, and each a span of their own; some approved."""
    analyst.email = "ana@newsroom.example"
    analyst.save(update_fields=["email"])
    article = ArticleFactory(project=project, title="Plan", text=TEXT, language="en")
    shared = mark(article, analyst, "claim", "the plan works")
    twin = mark(article, other_analyst, "claim", "the plan works")
    own = mark(article, analyst, "quote", "Critics said the plan fails")
    other = mark(article, other_analyst, "fact", "Nobody checked the numbers")
    approve(shared, twin, own)
    return {"article": article, "other": other}


def test_training_formats_hold_approved_annotations_unless_asked_the_others_every_status(
    client, analyst, project, two_analysts
):
    client_for(client, analyst)
    url = lambda fmt: reverse("exports:project", args=[project.pk, fmt])  # noqa: E731
    [line] = lines(body(client.get(url("doccano"))))
    assert line["label"] == [CLAIM, QUOTE]  # the draft fact is left out
    [line] = lines(body(client.get(url("doccano"), {"status": "all"})))
    assert len(line["label"]) == 3
    [line] = lines(body(client.get(url("doccano"), {"status": "draft"})))
    assert line["label"] == [FACT]
    [task] = json.loads(body(client.get(url("labelstudio"))))
    assert sum(len(annotation["result"]) for annotation in task["annotations"]) == 3
    assert body(client.get(url("csv"))).decode("utf-8-sig").count("\n") == 5  # header and four rows
    assert client.get(url("doccano"), {"status": "approvedd"}).status_code == 400


def test_the_status_choice_is_shown_on_the_links_and_the_export_page(client, analyst, project, two_analysts):
    client_for(client, analyst)
    html = client.get(two_analysts["article"].get_absolute_url()).content.decode()
    page_url = reverse("exports:article-page", args=[two_analysts["article"].pk])
    assert ">doccano</a> (approved)" in html and ">labelstudio</a> (approved)" in html
    assert f'href="{page_url}"' in html

    html = client.get(reverse("exports:project-page", args=[project.pk])).content.decode()
    assert '<select name="status">' in html and '<option value="all"' in html
    assert '<option value="analyst2">' in html  # doccano's file of one analyst
    doccano = html[html.index('class="export-format export-doccano"') :]
    assert "2 approved spans" in doccano[: doccano.index("</tr>")]
    csv_row = html[html.index('class="export-format export-csv"') :]
    assert "4 annotations of every status" in csv_row[: csv_row.index("</tr>")]
    assert reverse("exports:project", args=[project.pk, "doccano"]) + '"' in html

    html = client.get(reverse("exports:project-page", args=[project.pk]), {"status": "all"}).content.decode()
    doccano = html[html.index('class="export-format export-doccano"') :]
    assert "3 spans of every status" in doccano[: doccano.index("</tr>")]
    assert reverse("exports:project", args=[project.pk, "doccano"]) + '?status=all"' in html


def test_label_studio_has_each_analysts_spans_as_an_annotation_completed_by_them(
    client, analyst, project, two_analysts, tmp_path
):
    path = tmp_path / "export.json"
    call_command("export", str(project.pk), "--format", "labelstudio", "--status", "all", "-o", str(path), verbosity=0)
    [task] = json.loads(path.read_text())
    first, second = task["annotations"]
    # As Label Studio resolves annotators on import: by the email address in completed_by.
    assert first["completed_by"] == {"email": "ana@newsroom.example"}
    assert "completed_by" not in second  # analyst2 has no address: Label Studio credits the importer
    values = lambda annotation: [(r["value"]["text"], r["value"]["labels"]) for r in annotation["result"]]  # noqa: E731
    assert values(first) == [("the plan works", ["CLAIM"]), ("Critics said the plan fails", ["QUOTE"])]
    assert values(second) == [("the plan works", ["CLAIM"]), ("Nobody checked the numbers", ["FACT"])]
    for annotation in task["annotations"]:
        assert annotation["was_cancelled"] is False and annotation["ground_truth"] is False
        assert annotation["created_at"].endswith("Z") and annotation["updated_at"].endswith("Z")

    # Imported back, the span both analysts marked is one span again.
    fresh = ProjectFactory()
    import_items(project=fresh, items=list(read_upload("export.json", path.read_bytes())), user=analyst)
    assert Annotation.objects.filter(article__project=fresh).count() == 3


def test_doccano_is_exported_per_analyst_as_doccano_exports_per_annotator(client, analyst, project, two_analysts):
    client_for(client, analyst)
    url = reverse("exports:project", args=[project.pk, "doccano"])
    response = client.get(url, {"status": "all", "analyst": "analyst2"})
    assert "analyst2" in response["Content-Disposition"]
    [line] = lines(body(response))
    assert line["label"] == [CLAIM, FACT]
    [line] = lines(body(client.get(url, {"analyst": "analyst1"})))
    assert line["label"] == [CLAIM, QUOTE]


def test_an_export_that_would_be_empty_says_why_in_the_browser(client, analyst, project, two_analysts):
    client_for(client, analyst)
    response = client.get(reverse("exports:project", args=[project.pk, "claimreview"]))
    assert response.status_code == 422 and not response.streaming
    assert "Content-Disposition" not in response
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "2 claim annotations in the project" in html and "none is an appearance of a claim yet" in html
    assert "ClaimReview needs a claim with a verdict" in html

    response = client.get(reverse("exports:project", args=[project.pk, "w3c"]), {"status": "rejected"})
    assert response.status_code == 422 and "Content-Disposition" not in response
    assert "no rejected annotation in the project" in response.content.decode()
    assert "which has 1 draft and 3 approved" in response.content.decode()

    empty = ArticleFactory(project=project)
    response = client.get(reverse("exports:article", args=[empty.pk, "doccano"]))
    assert response.status_code == 422 and "has no annotations yet" in response.content.decode()
    # A large export is refused the same way before a job is started for it.
    response = client.post(reverse("exports:project", args=[project.pk, "claimreview"]))
    assert response.status_code == 422 and not project.export_jobs.exists()


def test_an_export_that_would_be_empty_is_refused_on_the_command_line_and_writes_nothing(
    project, two_analysts, tmp_path
):
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / "reviews.jsonld"
    with pytest.raises(
        CommandError, match="none is an appearance of a claim yet.*ClaimReview needs a claim with a verdict"
    ):
        call_command("export", str(project.pk), "--format", "claimreview", "-o", str(output))
    assert not list((tmp_path / "out").iterdir())
    stdout = io.StringIO()
    with pytest.raises(CommandError, match="“nobody” has no annotation"):
        call_command("export", str(project.pk), "--format", "csv", "--analyst", "nobody", stdout=stdout)
    assert stdout.getvalue() == ""


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_with_the_reason(project, two_analysts):
    process = manage("export", str(project.pk), "--format", "claimreview")
    out, err = process.communicate(timeout=120)
    assert process.returncode != 0 and out == ""
    assert "ClaimReview needs a claim with a verdict" in err and "Traceback" not in err


def test_the_command_reports_what_the_file_holds_not_what_it_read(project, analyst, reviewer, two_analysts, tmp_path):
    def written(*options) -> str:
        errors = io.StringIO()
        call_command("export", str(project.pk), *options, "-o", str(tmp_path / "out"), stderr=errors)
        return errors.getvalue()

    # Four annotations read; the claim both analysts marked is one span of doccano's.
    assert "3 annotation(s) of" in written("--format", "doccano", "--status", "all")
    assert "4 annotation(s) of" in written("--format", "labelstudio", "--status", "all")
    claim = create_claim_from(annotation=Annotation.objects.filter(kind="claim").first(), user=analyst)
    set_verdict(
        claim=claim, user=reviewer, verdict="misleading", rationale="Checked: the plan is late.", base_version=1
    )
    report = written("--format", "claimreview")
    assert "1 annotation(s) of" in report and "as ClaimReview" in report
    assert json.loads((tmp_path / "out").read_text())["@graph"][0]["reviewBody"] == "Checked: the plan is late."
    assert Article.objects.filter(project=project).count() == 1


def test_the_export_page_says_what_claimreview_holds(client, analyst, reviewer, project, two_analysts):
    claim = create_claim_from(annotation=Annotation.objects.get(kind="claim", created_by=analyst), user=analyst)
    set_verdict(claim=claim, user=reviewer, verdict="supported", rationale="Checked.", base_version=1)
    html = client_for(client, analyst).get(reverse("exports:project-page", args=[project.pk])).content.decode()
    row = html[html.index('class="export-format export-claimreview"') :]
    assert "1 appearance of claims with a verdict" in row[: row.index("</tr>")]
