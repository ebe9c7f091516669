"""The admin as a review desk: the queue of what waits, the passage in its paragraph, a decision
that leads on to the next annotation."""

from django.utils import timezone

from apps.annotations.models import Annotation, Comment, CommentRead
from apps.annotations.services import Decision, review_annotation
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


def test_a_reviewer_comments_on_the_admin_page_through_the_discussion(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(reviewer)
    page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert f'action="/admin/annotations/annotation/{annotation.pk}/comment/"' in page

    response = client.post(f"/admin/annotations/annotation/{annotation.pk}/comment/", {"body": "Which <b>May</b>?"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/annotations/annotation/{annotation.pk}/change/#discussion"
    comment = Comment.objects.get(annotation=annotation)
    assert (comment.author, comment.body) == (reviewer, "Which <b>May</b>?")
    # The workbench's service: the author now takes part in the discussion (a reply counts as new to them).
    assert CommentRead.objects.filter(user=analyst, annotation=annotation).exists()
    page = client.get(response["Location"]).content.decode()
    discussion = page.split('id="discussion"')[1].split("</section>")[0]
    assert "Which &lt;b&gt;May&lt;/b&gt;?" in discussion and reviewer.username in discussion


def test_an_empty_comment_on_the_admin_page_is_refused_with_its_field_marked(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(reviewer)
    response = client.post(f"/admin/annotations/annotation/{annotation.pk}/comment/", {"body": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Write something first." in page
    assert 'aria-invalid="true"' in page.split('id="discussion"')[1]
    assert not Comment.objects.exists()


def test_only_a_member_who_sees_it_comments_from_the_admin(client, project, analyst):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(member(ProjectFactory(name="Other desk"), "reviewer", "stranger"))
    response = client.post(f"/admin/annotations/annotation/{annotation.pk}/comment/", {"body": "Hello"})
    assert response.status_code == 404
    client.force_login(analyst)  # analysts do not get the admin
    response = client.post(f"/admin/annotations/annotation/{annotation.pk}/comment/", {"body": "Hello"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_the_admin_page_shows_one_history_the_databases(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(reviewer)
    client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "reject", "reason": "June."})
    page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert page.count("Changes, newest first") == 1
    assert '<del dir="auto">Submitted</del> → <ins dir="auto">Rejected</ins>' in page
    assert "Annotation events" not in page and "annotationevent" not in page.lower()
    # The rejection's reason heads the discussion.
    assert "June." in page.split('id="discussion"')[1].split('class="comments"')[0]


def test_the_history_button_shows_the_database_history(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(reviewer)
    client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "approve"})
    change_page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert f'href="/admin/annotations/annotation/{annotation.pk}/history/"' in change_page
    response = client.get(f"/admin/annotations/annotation/{annotation.pk}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changes, newest first" in page
    assert f"<td>{reviewer.username}</td>" in page
    assert '<del dir="auto">Submitted</del> → <ins dir="auto">Approved</ins>' in page
    assert "doesn’t have a change history" not in page

    other = AnnotationFactory(article=ArticleFactory(project=ProjectFactory(), text=TEXT))
    assert client.get(f"/admin/annotations/annotation/{other.pk}/history/").status_code in (302, 404)


QUEUE = "/admin/annotations/annotation/queue/"


def queue_post(client, decision, annotations, reason="", versions=None, follow=False):
    data = {"decision": decision, "reason": reason, "_selected_action": [a.pk for a in annotations]}
    data |= {f"listed-version-{a.pk}": (versions or {}).get(a.pk, a.version) for a in annotations}
    return client.post(QUEUE, data, follow=follow)


def test_the_queue_has_a_checkbox_and_the_listed_version_on_each_row(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 5)
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert f'name="_selected_action" value="{annotation.pk}"' in page
    assert f'<input type="hidden" name="listed-version-{annotation.pk}" value="1">' in page
    for decision in ("approve", "reject", "draft"):
        assert f'name="decision" value="{decision}"' in page


def test_a_bulk_approval_in_the_queue_decides_each_row_on_the_version_it_showed(
    client, project, analyst, reviewer, other_analyst
):
    article = ArticleFactory(project=project, text=TEXT)
    first, second, third = (
        submitted(article, analyst, 12, 21, 30),
        submitted(article, analyst, 22, 30, 20),
        submitted(article, analyst, 31, 37, 10),
    )
    client.force_login(reviewer)
    client.get(QUEUE)
    # After the page was shown, another reviewer sends the second back to draft.
    second_reviewer = member(project, "reviewer", "second-reviewer")
    review_annotation(annotation=second, user=second_reviewer, decision=Decision.DRAFT, seen_version=1)

    response = queue_post(client, "approve", [first, second, third], versions={second.pk: 1})
    assert response.status_code == 302 and response["Location"] == QUEUE
    page = client.get(QUEUE).content.decode()
    assert "2 approved, 1 changed since you loaded the page." in page
    assert "it is a draft now (version 2, sent back to draft by second-reviewer)" in page
    statuses = dict(Annotation.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in (first, second, third)] == ["approved", "draft", "approved"]


def test_a_bulk_rejection_in_the_queue_needs_a_reason(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    first, second = submitted(article, analyst, 12, 21, 30), submitted(article, analyst, 22, 30, 20)
    client.force_login(reviewer)
    refused = queue_post(client, "reject", [first, second], reason="  ")
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Say why they are rejected; the authors need the reason." in page
    marked = 'aria-invalid="true" aria-describedby="id_bulk_reason_error" id="id_bulk_reason"'
    assert marked in page and 'id="id_bulk_reason_error"' in page
    for annotation in (first, second):  # still selected, ready for the reason
        assert f'name="_selected_action" value="{annotation.pk}" checked' in page
    assert set(Annotation.objects.values_list("status", flat=True)) == {"submitted"}

    queue_post(client, "reject", [first, second], reason="No source for the date.")
    assert "2 rejected." in client.get(QUEUE).content.decode()
    for annotation in (first, second):
        annotation.refresh_from_db()
        assert annotation.status == "rejected"
        assert annotation.rejection().comment == "No source for the date."


def test_the_queue_sends_back_to_draft_and_refuses_an_empty_selection(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    annotation = submitted(article, analyst, 12, 21, 30)
    client.force_login(reviewer)
    nothing = client.post(QUEUE, {"decision": "approve"})
    assert nothing.status_code == 422
    assert "Select the annotations to decide on first." in nothing.content.decode()
    queue_post(client, "draft", [annotation])
    assert "1 sent back to draft." in client.get(QUEUE).content.decode()
    annotation.refresh_from_db()
    assert annotation.status == "draft"


def test_the_queue_decides_only_rows_of_the_reviewers_projects(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    mine = submitted(article, analyst, 12, 21, 30)
    elsewhere = submitted(ArticleFactory(project=ProjectFactory(name="Elsewhere"), text=TEXT), analyst, 12, 21, 5)
    client.force_login(reviewer)
    queue_post(client, "approve", [mine, elsewhere])
    assert "1 approved, 1 changed since you loaded the page." in client.get(QUEUE).content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.status == "submitted"
    client.force_login(analyst)
    assert queue_post(client, "approve", [mine]).status_code == 302  # to the admin's login
    assert Annotation.objects.get(pk=elsewhere.pk).status == "submitted"


def test_the_lists_bulk_rejection_without_a_reason_is_refused_with_the_field_marked(client, project, analyst, reviewer):
    annotation = submitted(ArticleFactory(project=project, text=TEXT), analyst, 12, 21, 5)
    client.force_login(reviewer)
    listed = {"_selected_action": [annotation.pk], f"listed-version-{annotation.pk}": 1}
    asked = client.post("/admin/annotations/annotation/", {"action": "reject", **listed})
    assert asked.status_code == 200 and 'aria-invalid="true"' not in asked.content.decode()  # asked, not refused
    refused = client.post("/admin/annotations/annotation/", {"action": "reject", "reason": " ", **listed})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Say why they are rejected; the authors need the reason." in page
    assert 'aria-invalid="true"' in page
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
