"""Unread replies: per annotation in the side panel, the admin's queue and list and change page,
and a total in the header; reading the thread marks it read; one's own comments never count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.annotations.models import Comment, CommentRead
from apps.annotations.services import add_comment
from tests.factories import AnnotationFactory


def unread_total(client) -> str:
    """The header's link, as every page shows it."""
    response = client.get("/annotations/unread/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="unread-total"')
    return html[start : html.index("</a>", start) + 4]


def test_replies_of_others_are_new_until_the_thread_is_read(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    add_comment(annotation=annotation, user=analyst, body="My own remark.")
    add_comment(annotation=annotation, user=reviewer, body="Which minister?")
    add_comment(annotation=annotation, user=reviewer, body="And when?")
    client.force_login(analyst)
    assert ">2 new replies<" in unread_total(client)

    panel = client.get(f"/annotations/{annotation.pk}/").content.decode()
    assert '<span class="badge unread">2 new</span>' in panel
    assert panel.count('<li class="new">') == 2  # never the analyst's own comment
    assert ">Replies<" in unread_total(client)
    assert "badge unread" not in client.get(f"/annotations/{annotation.pk}/").content.decode()

    add_comment(annotation=annotation, user=reviewer, body="Please answer.")
    assert ">1 new reply<" in unread_total(client)


def test_a_thread_counts_in_the_total_once_the_user_takes_part(client, article, analyst, other_analyst, reviewer):
    theirs = AnnotationFactory(article=article, created_by=other_analyst)
    add_comment(annotation=theirs, user=reviewer, body="Source?")
    client.force_login(analyst)
    assert ">Replies<" in unread_total(client)  # not their thread
    add_comment(annotation=theirs, user=analyst, body="I know the source.")
    add_comment(annotation=theirs, user=reviewer, body="Then link it.")
    assert ">1 new reply<" in unread_total(client)


def test_the_total_is_counted_once_by_pages_with_the_header_and_never_by_fragments(
    client, article, analyst, reviewer, django_assert_num_queries
):
    for start in range(0, 30, 3):
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=start + 2)
        add_comment(annotation=annotation, user=reviewer, body="?")
    client.force_login(analyst)
    # Session, the user with their roles, the rejections waiting for rework, the threads, the count.
    with django_assert_num_queries(5):
        page = client.get("/annotations/unread/").content.decode()
    assert ">10 new replies<" in page
    assert page.count('<span class="badge unread">1 new</span>') == 10
    # A span made in the workbench answers with fragments, which show no header: no count.
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/annotations/article/{article.pk}/new/",
            {"kind": "fact", "start": 40, "end": 45, "exact": article.text[40:45]},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200 and "new repl" not in response.content.decode()
    assert not [query for query in queries.captured_queries if "annotations_comment" in query["sql"]]


def test_threads_of_projects_the_user_left_do_not_count(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    add_comment(annotation=annotation, user=reviewer, body="?")
    client.force_login(analyst)
    assert ">1 new reply<" in unread_total(client)
    analyst.memberships.all().delete()
    client.force_login(analyst)
    assert ">Replies<" in unread_total(client)


def test_the_admin_shows_and_reads_new_replies(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    add_comment(annotation=annotation, user=analyst, body="Ready for review, see the second source.")
    client.force_login(reviewer)
    queue = client.get("/admin/annotations/annotation/queue/").content.decode()
    assert '<span class="badge unread">1 new</span>' in queue
    assert "1 new" in client.get("/admin/annotations/annotation/").content.decode()
    page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert "1 new reply in the discussion" in page
    assert CommentRead.objects.filter(user=reviewer, annotation=annotation).exists()
    queue = client.get("/admin/annotations/annotation/queue/").content.decode()
    assert "badge unread" not in queue


def test_a_comment_written_after_the_last_reading_is_new(article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    CommentRead.objects.create(user=analyst, annotation=annotation, read_at=timezone.now())
    Comment.objects.create(
        annotation=annotation, author=reviewer, body="old", created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    Comment.objects.create(annotation=annotation, author=reviewer, body="new")
    assert list(Comment.objects.unread_by(analyst).values_list("body", flat=True)) == ["new"]
    assert not Comment.objects.unread_by(reviewer).exists()


def test_reopening_a_read_thread_with_nothing_new_writes_nothing(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    add_comment(annotation=annotation, user=reviewer, body="Which minister?")
    client.force_login(analyst)
    client.get(f"/annotations/{annotation.pk}/")
    read_at = CommentRead.objects.get(user=analyst, annotation=annotation).read_at
    with CaptureQueriesContext(connection) as queries:
        assert "Which minister?" in client.get(f"/annotations/{annotation.pk}/").content.decode()
    assert not [q for q in queries.captured_queries if "annotations_commentread" in q["sql"] and "INSERT" in q["sql"]]
    assert CommentRead.objects.get(user=analyst, annotation=annotation).read_at == read_at

    add_comment(annotation=annotation, user=reviewer, body="And when?")
    panel = client.get(f"/annotations/{annotation.pk}/").content.decode()
    assert '<span class="badge unread">1 new</span>' in panel
    assert CommentRead.objects.get(user=analyst, annotation=annotation).read_at > read_at
    assert ">Replies<" in unread_total(client)
