"""Every field the API accepts is stored, or refused with 422 naming it: never dropped unseen."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.models import Annotation, AnnotationEvent, Comment, Link
from apps.imports.models import ImportJob
from apps.sources.models import Source
from tests.api.conftest import span_of
from tests.factories import SourceFactory


def fields_of(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_a_new_annotation_keeps_its_note_and_tags(analyst_api, article):
    response = analyst_api.post("/annotations", {**span_of(article), "note": "Check the figure.", "tags": ["budget"]})
    assert response.status_code == 201, response.content
    assert response.json()["note"] == "Check the figure." and response.json()["tags"] == ["budget"]
    stored = Annotation.objects.get(pk=response.json()["id"])
    assert (stored.note, stored.tags) == ("Check the figure.", ["budget"])
    assert analyst_api.get(f"/annotations/{stored.pk}").json()["note"] == "Check the figure."


def test_a_new_annotations_note_and_tags_are_checked_as_the_workbench_checks_them(analyst_api, article):
    response = analyst_api.post("/annotations", {**span_of(article), "tags": ["a,b"]})
    assert response.status_code == 422 and "tags" in fields_of(response)
    response = analyst_api.post("/annotations", {**span_of(article), "note": "x" * 20_001})
    assert response.status_code == 422 and "note" in fields_of(response)
    assert not Annotation.objects.exists()


@pytest.fixture
def source(project):
    return SourceFactory(project=project, name="Ministry of Finance", kind=Source.Kind.ORGANISATION)


# Each write operation with a field it does not take; the field must be named in the 422.
UNKNOWN = {
    "annotation create": ("post", lambda c: "/annotations", lambda c: {**span_of(c["article"]), "status": "approved"}),
    "annotation change": ("patch", lambda c: f"/annotations/{c['annotation'].pk}", lambda c: {"version": 1, "status": "approved"}),
    "annotation change, its article": ("patch", lambda c: f"/annotations/{c['annotation'].pk}", lambda c: {"version": 1, "article": 5}),
    "submit": ("post", lambda c: f"/annotations/{c['annotation'].pk}/submit", lambda c: {"note": "Ready."}),
    "review": ("post", lambda c: f"/annotations/{c['annotation'].pk}/review", lambda c: {"decision": "approve", "comment": "Fine."}),
    "comment": ("post", lambda c: f"/annotations/{c['annotation'].pk}/comments", lambda c: {"body": "Hm.", "reply_to": 1}),
    "link": ("post", lambda c: f"/annotations/{c['annotation'].pk}/links", lambda c: {"role": "cited", "source": c["source"].pk, "weight": 3}),
    "source create": ("post", lambda c: "/sources", lambda c: {"project": c["project"].pk, "name": "X", "kind": "person", "website": "https://x.example"}),
    "source change": ("patch", lambda c: f"/sources/{c['source'].pk}", lambda c: {"descr": "Typo of description"}),
    "import": ("post", lambda c: "/imports", lambda c: {"project": c["project"].pk, "text": "A pasted article about the harbour.", "language": "en"}),
}  # fmt: skip


@pytest.mark.parametrize("operation", list(UNKNOWN))
def test_a_field_an_operation_does_not_take_is_refused_with_422_naming_it(
    reviewer_api, project, article, analyst, source, operation
):
    annotation = Annotation.objects.create(
        article=article, kind="claim", start=0, end=3, exact=article.text[:3], created_by=analyst, status="submitted"
    )
    context = {"project": project, "article": article, "annotation": annotation, "source": source}
    method, path, body = UNKNOWN[operation]
    sent = body(context)
    response = getattr(reviewer_api, method)(path(context), sent)
    unknown = {"annotation change, its article": "article"}.get(operation, list(sent)[-1])
    assert response.status_code == 422, response.content
    assert unknown in fields_of(response), response.json()
    assert "no such field" in fields_of(response)[unknown] and unknown in response.json()["message"]
    # Nothing was changed.
    annotation.refresh_from_db()
    assert (annotation.status, annotation.version, annotation.note) == ("submitted", 1, "")
    assert Annotation.objects.count() == 1 and not Comment.objects.exists() and not Link.objects.exists()
    assert not AnnotationEvent.objects.exists() and Source.objects.count() == 1 and not ImportJob.objects.exists()
    source.refresh_from_db()
    assert source.description == ""


def test_submit_takes_the_version_it_was_made_from_or_no_body(analyst_api, annotation):
    stale = analyst_api.post(f"/annotations/{annotation.pk}/submit", {"version": 7})
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "draft"
    submitted = analyst_api.post(f"/annotations/{annotation.pk}/submit", {"version": 1})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_a_link_to_a_source_with_a_new_sources_name_too_is_refused_not_half_taken(analyst_api, annotation, source):
    response = analyst_api.post(
        f"/annotations/{annotation.pk}/links",
        {"role": "said_by", "source": source.pk, "new_source_name": "Someone else", "new_source_kind": "person"},
    )
    assert response.status_code == 422
    assert set(fields_of(response)) == {"new_source_name", "new_source_kind"}
    assert not Link.objects.exists() and Source.objects.count() == 1


def test_an_import_title_without_pasted_text_is_refused(analyst_api, project):
    response = analyst_api.post(
        "/imports", {"project": project.pk, "url": "https://news.example/a", "title": "My own title"}
    )
    assert response.status_code == 422 and "title" in fields_of(response)
    assert not ImportJob.objects.exists()


def test_an_upload_with_a_form_field_it_does_not_take_is_refused(analyst_api, project):
    response = analyst_api.client.post(
        "/api/v1/imports/upload",
        {"project": project.pk, "titel": "Typo", "files": [SimpleUploadedFile("a.txt", b"A text about the harbour.")]},
        headers=analyst_api.headers,
    )
    assert response.status_code == 422 and "titel" in fields_of(response)
    assert not ImportJob.objects.exists()
