"""Tags are bounded: at most 50 per annotation, each at most 100 characters, refused with a message
that names the limit wherever they are written (the workbench, the services, the database; the
API's in tests/api/test_annotations.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction

from apps.annotations.models import Annotation
from apps.annotations.services import update_annotation
from tests.factories import AnnotationFactory

TOO_MANY = "At most 50 tags per annotation; this has 51."
TOO_LONG = "A tag has at most 100 characters;"


@pytest.fixture
def annotation(article, analyst):
    return AnnotationFactory(article=article, created_by=analyst)


def tags(count: int, length: int = 6) -> list[str]:
    return [f"{n:04d}".ljust(length, "x") for n in range(count)]


def edit(client, annotation, tag_text: str):
    return client.post(
        f"/annotations/{annotation.pk}/edit/",
        {"version": annotation.version, "kind": annotation.kind, "note": "", "tags": tag_text},
        headers={"HX-Request": "true"},
    )


def test_the_workbench_keeps_fifty_tags_of_a_hundred_characters(analyst_client, annotation):
    response = edit(analyst_client, annotation, ", ".join(tags(50, 100)))
    assert response.status_code == 200
    annotation.refresh_from_db()
    assert annotation.tags == tags(50, 100)


def test_the_workbench_refuses_more_than_fifty_tags_naming_the_limit(analyst_client, annotation):
    response = edit(analyst_client, annotation, ", ".join(tags(51)))
    assert response.status_code == 422 and TOO_MANY in response.content.decode()
    huge = edit(analyst_client, annotation, ", ".join(tags(20_000)))
    assert huge.status_code == 422 and "this has 20,000." in huge.content.decode()
    annotation.refresh_from_db()
    assert (annotation.tags, annotation.version) == ([], 1)


def test_the_workbench_refuses_a_tag_over_a_hundred_characters_naming_the_limit(analyst_client, annotation):
    response = edit(analyst_client, annotation, "short, " + "y" * 101)
    assert response.status_code == 422 and TOO_LONG in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.tags == []


def test_the_service_refuses_them_whoever_calls_it(annotation, analyst):
    with pytest.raises(ValidationError) as refused:
        update_annotation(annotation=annotation, user=analyst, base_version=1, tags=tags(51))
    assert TOO_MANY in refused.value.messages
    annotation.refresh_from_db()
    assert (annotation.tags, annotation.version) == ([], 1)


def test_the_database_refuses_them_too(annotation):
    with pytest.raises(IntegrityError, match="annotation_tags_bounded"), transaction.atomic():
        Annotation.objects.filter(pk=annotation.pk).update(tags=tags(51))
    with pytest.raises(DataError, match="too long"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_annotation SET tags = %s WHERE id = %s", [["y" * 101], annotation.pk])
