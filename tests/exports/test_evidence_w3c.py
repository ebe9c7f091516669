"""Evidence links in the W3C export: each an annotation of its own whose target is the
annotation's passage and whose body is the other article's passage, with the relation."""

import json

from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.claims.services import add_evidence
from apps.exports import w3c
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.exports.conftest import check_w3c
from tests.factories import ProjectFactory

BASE = "https://sourcetrace.example"


def link_evidence(project, analyst):
    english = Article.objects.get(project=project, language="en")
    german = Article.objects.get(project=project, language="de")
    claim = Annotation.objects.filter(article=english, kind="claim").order_by("pk").first()
    words = german.text.split(".")[0][:40].strip()
    start = german.text.index(words)
    return add_evidence(
        annotation=claim,
        user=analyst,
        relation="supports",
        article=german,
        start=start,
        end=start + len(words),
        exact=words,
    )


def export(project, path):
    call_command("export", str(project.pk), "--format", "w3c", "--status", "all", "-o", str(path), verbosity=0)
    return path


def test_an_evidence_link_is_an_annotation_from_one_passage_to_the_other(seeded, project, analyst, settings, tmp_path):
    settings.SITE_URL = BASE
    evidence = link_evidence(project, analyst)
    path = export(project, tmp_path / "export.jsonld")

    result = check_w3c(path)
    assert result.returncode == 0, result.stdout[-5000:]
    document = json.loads(path.read_text())
    items = document["first"]["items"]
    assert document["total"] == len(items) == 10  # the nine annotations and the link
    (link,) = [item for item in items if item["motivation"] == "linking"]
    marked = evidence.annotation
    assert link["id"] == f"{w3c.annotation_iri(BASE, marked.pk)}#evidence-{evidence.pk}"
    assert link["schema:about"] == w3c.annotation_iri(BASE, marked.pk)
    assert link["target"]["source"]["id"] == w3c.article_iri(BASE, marked.article_id)
    assert link["target"]["selector"] == [
        {"type": "TextQuoteSelector", "exact": marked.exact, "prefix": marked.prefix, "suffix": marked.suffix},
        {"type": "TextPositionSelector", "start": marked.start, "end": marked.end},
    ]
    body = link["body"]
    assert (body["type"], body["purpose"], body["schema:roleName"]) == ("SpecificResource", "linking", "supports")
    assert body["source"]["id"] == w3c.article_iri(BASE, evidence.article_id)
    assert body["selector"] == [
        {"type": "TextQuoteSelector", "exact": evidence.exact, "prefix": evidence.prefix, "suffix": evidence.suffix},
        {"type": "TextPositionSelector", "start": evidence.start, "end": evidence.end},
    ]
    german_text = Article.objects.get(pk=evidence.article_id).text
    assert german_text[body["selector"][1]["start"] : body["selector"][1]["end"]] == evidence.exact


def test_an_import_of_the_export_skips_the_links_and_keeps_every_span(seeded, project, analyst, tmp_path):
    link_evidence(project, analyst)
    data = export(project, tmp_path / "export.jsonld").read_bytes()
    fresh = ProjectFactory()
    outcomes = import_items(project=fresh, items=list(read_upload("export.jsonld", data)), user=analyst)
    assert {outcome.status for outcome in outcomes} == {"imported"}
    assert Annotation.objects.filter(article__project=fresh).count() == 9


def test_blind_exports_leave_out_the_links_of_hidden_annotations(seeded, project, analyst, other_analyst, tmp_path):
    from apps.exports.formats import evidence_of
    from apps.exports.rows import Selection

    link_evidence(project, analyst)
    project.blind = True
    project.save()
    assert evidence_of(Selection(project.pk, viewer=analyst)).count() == 1
    assert evidence_of(Selection(project.pk, viewer=other_analyst)).count() == 0
