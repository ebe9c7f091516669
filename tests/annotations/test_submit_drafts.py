"""An analyst submits all their drafts of an article at once; each row is checked by the rule."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.annotations.models import Annotation
from apps.annotations.services import submit_drafts
from tests.factories import AnnotationFactory, ArticleFactory
from tests.test_pages import html_problems


@pytest.fixture
def drafts(article, analyst, other_analyst):
    return {
        "mine": [AnnotationFactory(article=article, created_by=analyst, start=s, end=s + 3) for s in (0, 5, 10)],
        "rejected": AnnotationFactory(article=article, created_by=analyst, start=20, end=23, status="rejected"),
        "theirs": AnnotationFactory(article=article, created_by=other_analyst, start=0, end=3),
        "elsewhere": AnnotationFactory(article=ArticleFactory(project=article.project), created_by=analyst),
    }


def status(annotation) -> str:
    return Annotation.objects.get(pk=annotation.pk).status


def test_only_my_drafts_in_this_article_are_submitted(article, analyst, drafts):
    submitted = submit_drafts(article=article, user=analyst)
    assert sorted(a.pk for a in submitted) == sorted(a.pk for a in drafts["mine"])
    assert {status(a) for a in drafts["mine"]} == {"submitted"}
    assert [status(drafts[key]) for key in ("rejected", "theirs", "elsewhere")] == ["rejected", "draft", "draft"]
    assert all(a.events.filter(action="submitted", actor=analyst).exists() for a in drafts["mine"])
    assert submit_drafts(article=article, user=analyst) == []


QUESTION = (
    "Submit your 3 drafts of this article for review? Reviewers then decide on them; you can withdraw one until a "
    "reviewer has."
)


def test_the_workbench_button_asks_with_the_count_then_submits_them(analyst_client, article, drafts):
    page = analyst_client.get(article.get_absolute_url()).content.decode()
    form = page.split('<form class="submit-drafts"')[1].split("</form>")[0]
    assert "Submit all my drafts (3)" in form
    assert f'hx-confirm="{QUESTION}"' in form and """hx-vals='{"confirmed": "3"}'""" in form
    response = analyst_client.post(
        f"/annotations/article/{article.pk}/submit-drafts/", {"confirmed": 3}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "3 draft(s) submitted for review." in response.content.decode()
    assert "annotation-changed" in response.headers["HX-Trigger"]
    assert "Submit all my drafts" not in analyst_client.get(article.get_absolute_url()).content.decode()


def test_without_script_a_page_asks_first_with_the_count(analyst_client, article, drafts):
    url = f"/annotations/article/{article.pk}/submit-drafts/"
    asked = analyst_client.post(url)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert QUESTION in page and "<h1>Submit your drafts</h1>" in page
    assert html_problems(page) == []
    assert '<input type="hidden" name="confirmed" value="3">' in page and "Submit 3 drafts" in page
    assert {status(a) for a in drafts["mine"]} == {"draft"}
    response = analyst_client.post(url, {"confirmed": 3}, follow=True)
    assert "3 draft(s) submitted for review." in response.content.decode()
    assert {status(a) for a in drafts["mine"]} == {"submitted"}


def test_a_count_that_changed_since_the_question_asks_again(analyst_client, article, analyst, drafts):
    url = f"/annotations/article/{article.pk}/submit-drafts/"
    AnnotationFactory(article=article, created_by=analyst, start=30, end=33)  # made in another tab
    response = analyst_client.post(url, {"confirmed": 3}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "You have 4 drafts here now, not 3; nothing was submitted yet." in html
    assert '<input type="hidden" name="confirmed" value="4">' in html and "<html" not in html
    assert {status(a) for a in drafts["mine"]} == {"draft"}
    assert analyst_client.post(url, {"confirmed": "three"}).status_code == 422
    assert analyst_client.post(url, {"confirmed": 4}).status_code == 302
    assert {status(a) for a in drafts["mine"]} == {"submitted"}


def test_a_user_who_may_not_change_them_submits_nothing(article, drafts, analyst, monkeypatch):
    # Each row is asked of the rule: a refusal for one submits none.
    original = type(analyst).has_perm

    def refuse_the_second(user, perm, obj=None):
        if obj is not None and getattr(obj, "pk", None) == drafts["mine"][1].pk:
            return False
        return original(user, perm, obj)

    monkeypatch.setattr(type(analyst), "has_perm", refuse_the_second)
    with pytest.raises(PermissionDenied):
        submit_drafts(article=article, user=analyst)
    assert {status(a) for a in drafts["mine"]} == {"draft"}


def test_outsiders_get_404(client, article, drafts, outsider):
    client.force_login(outsider)
    assert client.post(f"/annotations/article/{article.pk}/submit-drafts/").status_code == 404
    assert {status(a) for a in drafts["mine"]} == {"draft"}


def test_get_is_refused(analyst_client, article):
    assert analyst_client.get(f"/annotations/article/{article.pk}/submit-drafts/").status_code == 405
