"""An analyst submits all their drafts of an article at once; each row is checked by the rule."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.annotations.models import Annotation
from apps.annotations.services import submit_drafts
from tests.factories import AnnotationFactory, ArticleFactory


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


def test_the_workbench_button_submits_them(analyst_client, article, drafts):
    page = analyst_client.get(article.get_absolute_url()).content.decode()
    assert "Submit all my drafts (3)" in page
    response = analyst_client.post(f"/annotations/article/{article.pk}/submit-drafts/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "3 draft(s) submitted for review." in response.content.decode()
    assert "annotation-changed" in response.headers["HX-Trigger"]
    assert "Submit all my drafts" not in analyst_client.get(article.get_absolute_url()).content.decode()


def test_without_htmx_it_redirects_with_a_message(analyst_client, article, drafts):
    response = analyst_client.post(f"/annotations/article/{article.pk}/submit-drafts/", follow=True)
    assert "3 draft(s) submitted for review." in response.content.decode()


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
