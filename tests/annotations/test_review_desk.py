"""The admin as a review desk: the queue of what waits, the passage in its paragraph, a decision
that leads on to the next annotation."""

from django.utils import timezone

from apps.annotations.models import Annotation
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory

TEXT = "Intro line.\nThe mayor said the bridge reopens in May. Critics doubt it.\nLast line."


def submitted(article, author, start, end, minutes_ago):
    annotation = AnnotationFactory(article=article, created_by=author, start=start, end=end, status="submitted")
    Annotation.objects.filter(pk=annotation.pk).update(
        updated_at=timezone.now() - timezone.timedelta(minutes=minutes_ago)
    )
    return annotation


def test_queue_lists_what_waits_in_my_projects_oldest_first_with_counts(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    newer = submitted(article, analyst, 12, 21, 5)
    older = submitted(article, analyst, 22, 30, 50)
    AnnotationFactory(article=article, created_by=analyst, start=31, end=37)  # a draft waits for nobody
    elsewhere = ArticleFactory(project=ProjectFactory(name="Elsewhere"), text=TEXT)
    submitted(elsewhere, analyst, 12, 21, 90)
    client.force_login(reviewer)
    page = client.get("/admin/annotations/annotation/queue/").content.decode()
    assert "2 annotations wait for a decision" in page
    assert page.index(f"/admin/annotations/annotation/{older.pk}/change/") < page.index(
        f"/admin/annotations/annotation/{newer.pk}/change/"
    )
    assert "Elsewhere" not in page
    assert f'<th scope="row">{analyst.username}</th><td>2</td>' in page


def test_change_page_shows_the_passage_and_a_decision_leads_to_the_next(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    first = submitted(article, analyst, 12, 21, 50)
    second = submitted(article, analyst, 22, 30, 5)
    client.force_login(reviewer)
    page = client.get(f"/admin/annotations/annotation/{first.pk}/change/").content.decode()
    assert '<mark class="hl hl-claim"' in page and ">The mayor</mark>" in page
    assert "Intro line." not in page.split('class="passage"')[1].split("</div>")[0]  # only its paragraph
    assert f"/admin/annotations/annotation/{second.pk}/change/" in page  # next in queue

    refused = client.post(f"/admin/annotations/annotation/{first.pk}/decide/", {"decision": "reject"}, follow=True)
    assert "Say why it is rejected" in refused.content.decode()
    first.refresh_from_db()
    assert first.status == "submitted"

    decided = client.post(
        f"/admin/annotations/annotation/{first.pk}/decide/", {"decision": "reject", "reason": "May, not June."}
    )
    assert decided["Location"] == f"/admin/annotations/annotation/{second.pk}/change/"
    first.refresh_from_db()
    assert (first.status, first.reviewed_by) == ("rejected", reviewer)
    last = client.post(f"/admin/annotations/annotation/{second.pk}/decide/", {"decision": "approve"})
    assert last["Location"] == "/admin/annotations/annotation/queue/"


def test_analysts_have_no_queue_and_cannot_decide(client, project, analyst):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(analyst)
    assert client.get("/admin/annotations/annotation/queue/").status_code == 302  # to the admin's login
    client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "approve"})
    annotation.refresh_from_db()
    assert annotation.status == "submitted"


def test_a_reviewer_of_another_project_cannot_decide_here(client, project, analyst):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    stranger = member(ProjectFactory(name="Other desk"), "reviewer", "stranger")
    client.force_login(stranger)
    response = client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404
    annotation.refresh_from_db()
    assert annotation.status == "submitted"


def test_changelist_shows_passages_cut_on_words(client, project, analyst, reviewer):
    text = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen."
    article = ArticleFactory(project=project, text=text)
    AnnotationFactory(article=article, created_by=analyst, start=0, end=len(text))
    client.force_login(reviewer)
    page = client.get("/admin/annotations/annotation/").content.decode()
    assert "One two three four five six seven eight nine ten eleven twelve…" in page
    assert "thirteen" not in page.split('id="result_list"')[1]
