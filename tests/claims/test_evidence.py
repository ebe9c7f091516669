"""Evidence between passages: an annotation of article A and a passage of article B that supports,
contradicts or is cited for it; who may link them, the database's own refusals, both pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.claims.models import Evidence
from apps.claims.services import add_evidence, attach_appearance, create_claim, remove_evidence
from apps.projects.models import Membership
from tests.conftest import client_for, member
from tests.factories import AnnotationFactory, ArticleFactory, EvidenceFactory, ProjectFactory

TEXT_B = "The report was published in May. Its authors found no trace of the shipment. They asked for more."


@pytest.fixture
def report(project):
    return ArticleFactory(project=project, title="The inspectors' report", text=TEXT_B)


@pytest.fixture
def claim_annotation(article, analyst):
    return AnnotationFactory(article=article, created_by=analyst)


def passage(text, words):
    start = text.index(words)
    return {"start": start, "end": start + len(words), "exact": words}


def test_an_analyst_links_a_passage_of_another_article_as_evidence(claim_annotation, report, analyst):
    evidence = add_evidence(
        annotation=claim_annotation,
        user=analyst,
        relation="contradicts",
        article=report,
        **passage(TEXT_B, "found no trace of the shipment"),
    )
    assert (evidence.relation, evidence.article, evidence.exact) == (
        "contradicts",
        report,
        "found no trace of the shipment",
    )
    # The quote selector's context is the other article's own text around the passage.
    assert evidence.prefix.endswith("Its authors ") and evidence.suffix.startswith(". They asked")
    assert [e.pgh_label for e in evidence.history.all()] == ["created"]
    remove_evidence(evidence=evidence, user=analyst)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "exact", "field"),
    [
        (0, 10_000, "The report", "start"),  # beyond the text
        (5, 5, "", "start"),  # empty
        (0, 10, "The r3port", "exact"),  # not the text at these offsets
    ],
)
def test_a_passage_that_is_not_the_text_is_refused(claim_annotation, report, analyst, start, end, exact, field):
    with pytest.raises(ValidationError) as refused:
        add_evidence(
            annotation=claim_annotation,
            user=analyst,
            relation="supports",
            article=report,
            start=start,
            end=end,
            exact=exact,
        )
    assert field in refused.value.message_dict
    assert not Evidence.objects.exists()


def test_evidence_is_of_another_article_of_the_same_project(claim_annotation, article, analyst):
    elsewhere = ArticleFactory(project=ProjectFactory(), text=TEXT_B)
    with pytest.raises(ValidationError, match="project"):
        add_evidence(
            annotation=claim_annotation, user=analyst, relation="supports", article=elsewhere, **passage(TEXT_B, "May")
        )
    with pytest.raises(ValidationError, match="another article"):
        add_evidence(
            annotation=claim_annotation,
            user=analyst,
            relation="supports",
            article=article,
            **passage(article.text, article.text[20:30]),
        )


def test_the_database_refuses_a_passage_of_another_project(claim_annotation, analyst):
    elsewhere = ArticleFactory(project=ProjectFactory(), text=TEXT_B)
    with pytest.raises(IntegrityError, match="another project"), transaction.atomic():
        Evidence.objects.create(
            annotation=claim_annotation,
            article=elsewhere,
            relation="supports",
            created_by=analyst,
            **passage(TEXT_B, "May"),
        )


def test_the_database_refuses_a_passage_that_does_not_match_the_text(claim_annotation, report, analyst):
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        Evidence.objects.create(
            annotation=claim_annotation,
            article=report,
            relation="supports",
            created_by=analyst,
            start=0,
            end=3,
            exact="Tha",
        )
    with pytest.raises(IntegrityError, match="does not match"), transaction.atomic():
        Evidence.objects.create(
            annotation=claim_annotation,
            article=report,
            relation="supports",
            created_by=analyst,
            start=len(TEXT_B) - 3,
            end=len(TEXT_B) + 5,
            exact="re.",
        )
    with pytest.raises(IntegrityError, match="evidence_relation_valid"), transaction.atomic():
        Evidence.objects.create(
            annotation=claim_annotation,
            article=report,
            relation="proves",
            created_by=analyst,
            start=0,
            end=3,
            exact="The",
        )


def test_who_may_add_and_remove_evidence(project, claim_annotation, report, analyst, other_analyst, reviewer, outsider):
    manager = member(project, Membership.Role.MANAGER, "manager1")
    arguments = {"annotation": claim_annotation, "relation": "supports", "article": report, **passage(TEXT_B, "May")}
    for refused in (other_analyst, outsider):
        with pytest.raises(PermissionDenied):
            add_evidence(user=refused, **arguments)
    for allowed in (analyst, reviewer, manager):
        evidence = add_evidence(user=allowed, **arguments)
    assert Evidence.objects.count() == 1  # the same passage with the same relation is one link
    with pytest.raises(PermissionDenied):
        remove_evidence(evidence=evidence, user=other_analyst)
    remove_evidence(evidence=evidence, user=reviewer)
    assert not Evidence.objects.exists()


def test_both_articles_and_the_claim_page_show_the_evidence(client, project, claim_annotation, report, analyst):
    claim = create_claim(project=project, user=analyst, wording="The shipment arrived", language="en")
    attach_appearance(claim=claim, annotation=claim_annotation, user=analyst)
    evidence = add_evidence(
        annotation=claim_annotation, user=analyst, relation="contradicts", article=report, **passage(TEXT_B, "no trace")
    )
    client_for(client, analyst)
    # A: the annotation's panel section.
    html = client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/").content.decode()
    assert "Contradicts" in html and "The inspectors&#x27; report" in html and "no trace" in html
    # B: the workbench loads its section and script; the section lists what the passage is evidence for.
    workbench = client.get(f"/articles/{report.pk}/").content.decode()
    assert 'id="article-evidence"' in workbench and "js/evidence" in workbench
    html = client.get(f"/claims/article/{report.pk}/evidence/").content.decode()
    assert f'data-start="{evidence.start}" data-end="{evidence.end}"' in html
    assert claim_annotation.exact in html and "contradicts" in html
    # The claim page: the passage in its sentence.
    html = client.get(claim.get_absolute_url()).content.decode()
    assert 'class="claim-evidence"' in html
    assert 'Its authors found <strong class="passage">no trace</strong>' in html.replace("</span>", "")


def test_evidence_is_added_from_the_column_beside_the_text(client, project, claim_annotation, report, analyst):
    client_for(client, analyst)
    offered = client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/articles/?q=inspectors").content.decode()
    assert f"/evidence/in/{report.pk}/" in offered
    column = client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/in/{report.pk}/").content.decode()
    assert 'class="evidence-block" data-start="0"' in column and "Save evidence" in column
    url = f"/claims/annotation/{claim_annotation.pk}/evidence/add/"
    data = {"relation": "supports", "article": report.pk, **passage(TEXT_B, "published in May")}
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "evidence-changed" in response.headers["HX-Trigger"]
    assert Evidence.objects.get().exact == "published in May"
    refused = client.post(url, {**data, "exact": "published in June"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "does not match" in refused.content.decode()


def test_the_column_refuses_other_projects_and_other_analysts(client, project, claim_annotation, report, other_analyst):
    elsewhere = ArticleFactory(project=ProjectFactory(), text=TEXT_B)
    client_for(client, other_analyst)
    assert client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/in/{report.pk}/").status_code == 403
    data = {"relation": "supports", "article": report.pk, **passage(TEXT_B, "May")}
    assert client.post(f"/claims/annotation/{claim_annotation.pk}/evidence/add/", data).status_code == 403
    analyst_client = client_for(client, claim_annotation.created_by)
    assert (
        analyst_client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/in/{elsewhere.pk}/").status_code == 404
    )
    data["article"] = elsewhere.pk
    assert analyst_client.post(f"/claims/annotation/{claim_annotation.pk}/evidence/add/", data).status_code == 404
    assert not Evidence.objects.exists()


def test_outsiders_see_no_evidence(client, claim_annotation, report, outsider):
    evidence = EvidenceFactory(annotation=claim_annotation, article=report)
    client_for(client, outsider)
    assert client.get(f"/claims/article/{report.pk}/evidence/").status_code == 404
    assert client.get(f"/claims/annotation/{claim_annotation.pk}/evidence/").status_code == 404
    assert client.post(f"/claims/evidence/{evidence.pk}/remove/").status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_blind_mode_hides_evidence_of_hidden_annotations(client, project, report, analyst, other_analyst):
    project.blind = True
    project.save()
    theirs = AnnotationFactory(article=ArticleFactory(project=project), created_by=other_analyst)
    EvidenceFactory(annotation=theirs, article=report, **passage(TEXT_B, "They asked for more"))
    client_for(client, analyst)
    html = client.get(f"/claims/article/{report.pk}/evidence/").content.decode()
    assert "They asked" not in html and "data-start" not in html
    assert Evidence.objects.visible_to(analyst).count() == 0
    assert Evidence.objects.visible_to(other_analyst).count() == 1
    theirs.article.curated_at = theirs.created_at
    theirs.article.save(update_fields=["curated_at"])
    assert "They asked" in client.get(f"/claims/article/{report.pk}/evidence/").content.decode()


def test_the_review_desk_shows_the_annotations_evidence(client, claim_annotation, report, reviewer):
    EvidenceFactory(annotation=claim_annotation, article=report, relation="cited_as", **passage(TEXT_B, "no trace"))
    html = client_for(client, reviewer).get(f"/admin/annotations/annotation/{claim_annotation.pk}/change/")
    html = html.content.decode()
    assert 'class="review-evidence"' in html and "Is cited as" in html and "no trace" in html
