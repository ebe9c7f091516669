import json

import pytest

from apps.annotations.models import Annotation
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, UserFactory

TEXT = "Intro line.\nShe said “no <script>alert(1)</script> deal” today 🌍.\n\nMore text here."


@pytest.fixture
def article(project):
    return ArticleFactory(project=project, text=TEXT)


@pytest.mark.parametrize("count", [3, 30])
def test_article_page_query_count_is_constant(analyst_client, article, analyst, count, django_assert_num_queries):
    for n in range(count):
        link = LinkFactory(annotation=AnnotationFactory(article=article, start=n % 10, end=11 + n, created_by=analyst))
    # session, user with their roles, article, annotations with their links and sources, suggestions,
    # the header's new replies
    with django_assert_num_queries(6):
        response = analyst_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="annotation-item') == count
    assert str(link.source) in response.content.decode()


def test_article_list_query_count_is_constant(analyst_client, project, django_assert_num_queries):
    ArticleFactory.create_batch(5, project=project)
    with django_assert_num_queries(5):  # session, user with their roles, facets with the count, page, new replies
        analyst_client.get("/articles/")
    ArticleFactory.create_batch(20, project=project)
    with django_assert_num_queries(5):
        response = analyst_client.get("/articles/")
    assert response.content.decode().count("<tr>") == 26


def test_create_uses_a_fixed_handful_of_statements(analyst_client, article, django_assert_max_num_queries):
    start = TEXT.index("She")
    # session, user with their roles, article, insert, the re-rendered blocks' spans; and the
    # savepoint around the insert with its release, which only a test's open transaction shows
    with django_assert_max_num_queries(7):
        response = analyst_client.post(
            f"/annotations/article/{article.pk}/new/",
            {"kind": "quote", "start": start, "end": start + 8, "exact": "She said"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    # The page opens the new annotation's panel from the event.
    assert json.loads(response["HX-Trigger"])["annotation-created"] == {"id": Annotation.objects.get().pk}
    assert 'data-ids="' in response.content.decode()


def test_user_text_is_escaped_never_markup(analyst_client, article, analyst):
    start = TEXT.index("no <script>")
    AnnotationFactory(
        article=article, start=start, end=start + 31, created_by=analyst, note="<img src=x onerror=alert(1)>"
    )
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in analyst_client.get(article.get_absolute_url()).headers


def test_mismatched_exact_is_refused_with_a_message(analyst_client, article):
    response = analyst_client.post(
        f"/annotations/article/{article.pk}/new/",
        {"kind": "claim", "start": 0, "end": 5, "exact": "Other"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "does not match the article" in response.content.decode()
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "opinion", "start": 0, "end": 5, "exact": "Intro"},
        {"kind": "claim", "start": 5, "end": 2, "exact": "x"},
        {"kind": "claim", "start": "a", "end": 5, "exact": "Intro"},
        {"kind": "claim", "start": 0, "end": 99999, "exact": "Intro"},
    ],
)
def test_bad_create_input_is_refused_without_a_500(analyst_client, article, payload):
    response = analyst_client.post(f"/annotations/article/{article.pk}/new/", payload, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "message-error" in response.content.decode()
    assert not Annotation.objects.exists()


def test_analyst_cannot_edit_others_but_reviewer_can(client, article, analyst, reviewer):
    theirs = AnnotationFactory(article=article, created_by=UserFactory(username="someone"))
    data = {"version": 1, "kind": "fact", "status": "submitted", "note": "checked", "tags": "a, b"}
    client.force_login(analyst)
    assert client.post(f"/annotations/{theirs.pk}/edit/", data).status_code == 403
    client.force_login(reviewer)
    assert client.post(f"/annotations/{theirs.pk}/edit/", data).status_code == 200
    theirs.refresh_from_db()
    assert (theirs.kind, theirs.note, theirs.tags, theirs.version) == ("fact", "checked", ["a", "b"], 2)
    assert theirs.events.get().action == "updated"
