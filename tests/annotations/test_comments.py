"""Analysts and reviewers discuss an annotation in its side panel; a rejection's reason heads it."""

from apps.annotations.models import Comment
from tests.factories import AnnotationFactory


def test_analyst_and_reviewer_discuss_and_the_history_notes_it(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    client.force_login(reviewer)
    client.post(f"/annotations/{annotation.pk}/review/", {"decision": "reject", "reason": "Which minister?"})
    client.force_login(analyst)
    panel = client.post(f"/annotations/{annotation.pk}/comments/", {"body": "The defence minister, see line 2."})
    assert panel.status_code == 200
    html = panel.content.decode()
    assert "Rejected by reviewer1" in html and "Which minister?" in html
    assert html.index("Which minister?") < html.index("The defence minister, see line 2.")
    assert [c.author for c in Comment.objects.all()] == [analyst]
    assert annotation.events.filter(action="commented", actor=analyst).exists()


def test_an_empty_comment_is_refused_with_422(analyst_client, article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    response = analyst_client.post(f"/annotations/{annotation.pk}/comments/", {"body": "   "})
    assert response.status_code == 422
    assert not Comment.objects.exists()


def test_outsiders_can_neither_read_nor_write_the_discussion(client, article, analyst, outsider):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    client.force_login(outsider)
    assert client.post(f"/annotations/{annotation.pk}/comments/", {"body": "hello"}).status_code == 404
    assert not Comment.objects.exists()
