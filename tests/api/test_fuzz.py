"""schemathesis against the served OpenAPI description: whatever it sends, no 500, and every
answer has a status, a content type and a body the description promises."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.annotations.models import Annotation
from apps.api.api import api
from apps.claims.services import create_claim_from
from apps.exports import w3c
from apps.imports.models import ImportJob
from apps.stories.services import gather_story
from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory

# Enough to meet each operation's refusals; the whole run stays well under a minute.
MAX_EXAMPLES = 15
# Annotations come as W3C Web Annotations too when asked for.
ACCEPTED = ["application/json", w3c.MEDIA_TYPE, "*/*"]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db):
    """The description as served, with requests going through Django's WSGI application in-process.

    As Django's test client does, the connection is kept between requests: it holds the test's
    transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def existing(analyst, project) -> dict[str, int]:
    """A project with something in it for the fuzzer to meet: the ids of its rows, by field name."""
    article = ArticleFactory(project=project)
    links = []
    for start in range(0, 40, 10):
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=start + 5)
        links.append(LinkFactory(annotation=annotation, source=SourceFactory(project=project)))
    AnnotationFactory(article=article, start=50, end=55, status=Annotation.Status.SUBMITTED)
    job = ImportJob.objects.create(project=project, created_by=analyst)
    claim = create_claim_from(annotation=annotation, user=analyst)
    ids = {"project": project.pk, "article": article.pk, "annotation": annotation.pk, "source": links[0].source_id}
    story = gather_story(articles=[article, ArticleFactory(project=project)], user=analyst)
    ids |= {"link": links[0].pk, "job": job.pk, "story": story.pk, "claim": claim.pk}
    return ids | {f"{name}_id": pk for name, pk in ids.items()}


def aimed_at(case, existing: dict[str, int]) -> None:
    """Point the case's ids at existing rows, so that it gets past the 404 to what it tests."""
    for name in case.path_parameters or {}:
        case.path_parameters[name] = existing.get(name, case.path_parameters[name])
    if isinstance(case.body, dict):
        for name in ("project", "article", "source", "annotation"):
            if name in case.body:
                case.body[name] = existing[name]


def described_operations() -> list:
    described = api.get_openapi_schema()["paths"]
    return [
        pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
        for path, methods in described.items()
        for method in methods
    ]


@pytest.mark.parametrize(("method", "path"), described_operations())
def test_the_api_answers_every_generated_request_as_its_description_says(api_schema, analyst, existing, method, path):
    operation = api_schema[path][method]
    headers = api_client_for(analyst).headers

    # Valid requests and broken ones (wrong types, missing fields, values out of range).
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, aim=st.booleans(), accept=st.sampled_from(ACCEPTED))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def answers_as_described(case, aim, accept):
        if aim:
            aimed_at(case, existing)
        case.call_and_validate(headers=headers | {"Accept": accept}, checks=CHECKS)

    answers_as_described()
