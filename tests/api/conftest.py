import pytest
from django.test import Client

from apps.api.models import ApiToken
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory

API = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with a bearer token, as a script would."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def request(self, method: str, path: str, body=None, *, headers=None, **kwargs):
        call = getattr(self.client, method)
        headers = {**self.headers, **(headers or {})}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return call(API + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("get", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("post", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("patch", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("delete", path, **kwargs)


def api_client_for(user) -> ApiClient:
    _, secret = ApiToken.issue(user=user, name="test script")
    return ApiClient(secret)


@pytest.fixture
def manager(project):
    return member(project, Membership.Role.MANAGER, "manager1")


@pytest.fixture
def analyst_api(analyst):
    return api_client_for(analyst)


@pytest.fixture
def other_analyst_api(other_analyst):
    return api_client_for(other_analyst)


@pytest.fixture
def reviewer_api(reviewer):
    return api_client_for(reviewer)


@pytest.fixture
def outsider_api(outsider):
    return api_client_for(outsider)


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)


@pytest.fixture
def other_project(db):
    return ProjectFactory()


@pytest.fixture
def other_article(other_project):
    return ArticleFactory(project=other_project)


@pytest.fixture
def annotation(article, analyst):
    return AnnotationFactory(article=article, created_by=analyst)


def span_of(article, word_index: int = 1) -> dict:
    """The offsets and text of the article's `word_index`-th word, as a client would send them."""
    words = article.text.split(" ")
    start = sum(len(word) + 1 for word in words[:word_index])
    word = words[word_index].rstrip(".,")
    return {"article": article.pk, "kind": "claim", "start": start, "end": start + len(word), "exact": word}
