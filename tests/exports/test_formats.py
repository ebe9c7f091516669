import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.claims.services import attach_appearance, create_claim_from, set_verdict
from apps.exports import w3c
from apps.exports.formats import FORMATS, neutralised
from apps.exports.rows import LINKS
from apps.projects.models import Membership
from tests.conftest import member
from tests.exports.conftest import CHECKER, check_w3c
from tests.factories import ArticleFactory, SourceFactory
from tests.imports.conftest import PROJECT_ROOT, manage, subprocess_env


def export(project, fmt, tmp_path, *options) -> bytes:
    path = tmp_path / f"export.{FORMATS[fmt].extension}"
    call_command("export", str(project.pk), "--format", fmt, "-o", str(path), *options, verbosity=0)
    return path.read_bytes()


def test_w3c_export_of_every_kind_overlap_emoji_and_rtl_passes_the_checker(seeded, project, tmp_path):
    data = export(project, "w3c", tmp_path)
    path = tmp_path / "export.jsonld"
    result = check_w3c(path)
    assert result.returncode == 0, result.stdout[-5000:]
    assert "0 failed" in result.stdout
    collection = json.loads(data)
    items = collection["first"]["items"]
    assert collection["type"] == "AnnotationCollection" and collection["total"] == len(items) == 9
    kinds = {body["value"] for item in items for body in item["body"] if body["purpose"] == "classifying"}
    assert kinds == {"claim", "quote", "fact"}
    # Each text rides along once, with its first annotation.
    texts = [item["target"]["source"].get("value") for item in items]
    assert sum(text is not None for text in texts) == 3
    rtl = [item for item in items if item["target"]["source"].get("language") == "ar"]
    assert {item["target"]["source"]["textDirection"] for item in rtl} == {"rtl"}
    emoji = next(item for item in rtl if "🏙️" in item["target"]["selector"][0]["exact"])
    position = emoji["target"]["selector"][1]
    assert seeded["rtl"].text[position["start"] : position["end"]] == emoji["target"]["selector"][0]["exact"]
    quote = next(item for item in items if item["target"]["selector"][0]["exact"].startswith("This agreement"))
    sources = {body["schema:roleName"]: body for body in quote["body"] if body["type"] == "SpecificResource"}
    assert sources["said_by"]["purpose"] == "identifying" and sources["said_by"]["source"]["name"] == "Arkady Mil-Man"
    assert sources["cited"]["purpose"] == "linking"
    claim = next(
        item
        for item in items
        if item["target"]["selector"][0]["exact"] == "Belarus is in fact an integral part of Russia"
    )
    purposes = [(body["purpose"], body.get("value")) for body in claim["body"] if body["type"] == "TextualBody"]
    assert ("tagging", "russia") in purposes and ("tagging", "+belarus") in purposes
    assert any(purpose == "commenting" for purpose, _ in purposes)
    assert claim["created"].endswith("Z") and claim["modified"].endswith("Z")


def test_w3c_export_of_one_article_passes_the_checker_against_its_text(seeded, project, tmp_path):
    rtl = seeded["rtl"]
    export(project, "w3c", tmp_path, "--article", str(rtl.pk))
    text = tmp_path / "text.txt"
    text.write_text(rtl.text, encoding="utf-8", newline="")
    result = subprocess.run(
        [sys.executable, str(CHECKER), "--source-text", str(text), str(tmp_path / "export.jsonld")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "EXTRA checks: 1 passed, 0 failed" in result.stdout


def test_csv_has_a_bom_a_row_per_annotation_and_no_formula(seeded, project, tmp_path):
    data = export(project, "csv", tmp_path)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 9
    claim = next(row for row in rows if row["text"] == "Belarus is in fact an integral part of Russia")
    assert claim["note"].startswith("'=HYPERLINK(")
    assert claim["tags"] == "russia, +belarus"  # starts with a letter: left alone
    assert claim["speaker"] == "Arkady Mil-Man"
    quote = next(row for row in rows if row["kind"] == "quote" and row["language"] == "en")
    assert quote["sources"] == "cited: INSS; said_by: Arkady Mil-Man"
    assert quote["start"].isdigit() and quote["author"] == "analyst1"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_would_be_formulas_are_quoted(value):
    assert neutralised(value) == "'" + value
    assert neutralised("a" + value) == "a" + value
    assert neutralised(-1) == -1


def test_doccano_export_has_each_article_with_its_spans(seeded, project, tmp_path):
    lines = [json.loads(line) for line in export(project, "doccano", tmp_path, "--status", "all").decode().splitlines()]
    assert len(lines) == 3
    for line in lines:
        article = Article.objects.get(pk=line["id"])
        assert line["text"] == article.text
        for start, end, label in line["label"]:
            assert label in {"CLAIM", "QUOTE", "FACT"}
            assert article.annotations.filter(start=start, end=end, kind=label.lower()).exists()
    assert sum(len(line["label"]) for line in lines) == 9


def test_label_studio_export_has_tasks_with_regions(seeded, project, tmp_path):
    tasks = json.loads(export(project, "labelstudio", tmp_path, "--status", "all"))
    assert len(tasks) == 3
    regions = [region for task in tasks for annotation in task["annotations"] for region in annotation["result"]]
    assert len(regions) == 9
    for task in tasks:
        for region in task["annotations"][0]["result"]:
            value = region["value"]
            assert task["data"]["text"][value["start"] : value["end"]] == value["text"]
            assert region["type"] == "labels" and region["from_name"] == "label" and region["to_name"] == "text"


def test_claimreview_export_has_one_review_per_claim_with_a_verdict_and_every_appearance(
    seeded, project, analyst, tmp_path
):
    reviewer = member(project, Membership.Role.REVIEWER, "reviewer-cr")
    claims = Annotation.objects.filter(article__project=project, kind="claim")
    english = claims.get(exact="Belarus is in fact an integral part of Russia")
    german = claims.get(article__language="de")
    belarus = create_claim_from(annotation=english, user=analyst)
    attach_appearance(claim=belarus, annotation=german, user=analyst)
    set_verdict(claim=belarus, user=reviewer, verdict="false", rationale="Belarus is a state.", base_version=1)
    evacuated = create_claim_from(annotation=claims.get(article__language="ar"), user=analyst)
    set_verdict(claim=evacuated, user=reviewer, verdict="opinion", rationale="", base_version=1)
    create_claim_from(annotation=claims.get(exact__endswith="and operates"), user=analyst)  # no verdict: not exported

    document = json.loads(export(project, "claimreview", tmp_path))

    assert document["@context"] == "https://schema.org"
    reviews = document["@graph"]
    assert [review["claimReviewed"] for review in reviews] == [belarus.wording, evacuated.wording]
    for review in reviews:
        assert_claim_review_shape(review)
    first = reviews[0]
    assert first["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "False",
    }
    assert first["reviewBody"] == "Belarus is a state." and first["author"]["name"] == "reviewer-cr"
    assert [work["inLanguage"] for work in first["itemReviewed"]["appearance"]] == ["en", "de"]
    assert first["itemReviewed"]["author"] == {
        "@type": "Person",
        "name": "Arkady Mil-Man",
        "sameAs": "https://www.inss.org.il/",
    }
    assert reviews[1]["reviewRating"]["alternateName"] == "Opinion"


def assert_claim_review_shape(review: dict) -> None:
    """What schema.org's ClaimReview and Google's fact-check markup ask of one review."""
    assert review["@type"] == "ClaimReview" and review["url"].startswith("http")
    assert review["claimReviewed"] and review["datePublished"]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"]
    assert isinstance(rating["ratingValue"], int)
    assert rating["worstRating"] <= rating["bestRating"]
    assert rating["ratingValue"] == -1 or rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["appearance"] and item["firstAppearance"] == item["appearance"][0]
    for work in item["appearance"]:
        assert work["@type"] == "CreativeWork" and work["url"].startswith("http") and work["headline"]


def test_status_filter(seeded, project, tmp_path):
    assert json.loads(export(project, "w3c", tmp_path, "--status", "draft"))["total"] == 9
    Annotation.objects.filter(kind="fact").update(status="approved", reviewed_at=timezone.now())
    assert json.loads(export(project, "w3c", tmp_path, "--status", "approved"))["total"] == 2


@pytest.mark.django_db(transaction=True)
def test_command_writes_to_standard_output_and_names_the_project_by_name(seeded, project):
    process = manage("export", project.name, "--format", "doccano", "--status", "all")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert [json.loads(line)["text"] for line in out.splitlines()] == [
        article.text for article in Article.objects.filter(project=project).order_by("pk")
    ]
    # A reader that stops early is no error of the export's.
    reader = subprocess.run(
        f"{sys.executable} manage.py export {project.pk} --format w3c | head -c 10",
        shell=True,
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert reader.stdout == '{"@context' and "Traceback" not in reader.stderr
    process = manage("export", str(project.pk), "--format", "csv", "--article", str(seeded["rtl"].pk))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0 and out.startswith("\ufeff")
    assert len(list(csv.reader(io.StringIO(out[1:])))) == 4  # the header and three rows


def test_command_refuses_what_it_cannot_find(seeded, project, tmp_path):
    with pytest.raises(CommandError, match="There is no project “nope”"):
        call_command("export", "nope", "--format", "csv")
    other = ArticleFactory()
    with pytest.raises(CommandError, match=f"has no article {other.pk}"):
        call_command("export", str(project.pk), "--format", "csv", "--article", str(other.pk))
    with pytest.raises(CommandError, match="has no story 999"):
        call_command("export", str(project.pk), "--format", "csv", "--story", "999")
    with pytest.raises(CommandError, match="Cannot write .*No such file or directory"):
        call_command("export", str(project.pk), "--format", "csv", "-o", str(tmp_path / "nowhere" / "x.csv"))
    assert not list(tmp_path.rglob("*.part"))


def test_one_annotation_alone_is_a_conformant_web_annotation(seeded, tmp_path):
    annotation = (
        Annotation.objects.select_related("article", "created_by")
        .prefetch_related(LINKS)
        .get(kind="quote", article=seeded["english"])
    )
    document = w3c.annotation(annotation, base_url="https://sourcetrace.example")
    assert document["@context"] == w3c.ANNO_CONTEXT and "value" not in document["target"]["source"]
    path = tmp_path / "one.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = check_w3c(path)
    assert result.returncode == 0, result.stdout


def test_one_annotation_costs_no_query_once_loaded(seeded, project, django_assert_num_queries):
    english = seeded["english"]
    english.publisher = SourceFactory(project=project, name="The Outlet", kind="outlet")
    english.save(update_fields=["publisher"])
    annotations = list(
        Annotation.objects.filter(article=english).select_related("article", "created_by").prefetch_related(LINKS)
    )
    with django_assert_num_queries(0):
        documents = [w3c.annotation(annotation, base_url="https://sourcetrace.example") for annotation in annotations]
    assert len(documents) == 4
