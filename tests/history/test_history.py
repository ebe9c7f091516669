"""Every change to annotations, links, comments, sources, articles and memberships is recorded by
database triggers (pghistory) with who and when, kept after a delete, and shown read-only in the admin."""

import json

import pghistory
import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from apps.annotations.models import Annotation, AnnotationHistory, CommentHistory, LinkHistory
from apps.annotations.services import (
    Decision,
    add_comment,
    create_annotation,
    delete_annotation,
    link_source,
    review_annotation,
    submit_annotation,
    unlink_source,
    update_annotation,
)
from apps.articles.models import Article, ArticleHistory
from apps.articles.services import update_article
from apps.projects.history import timeline
from apps.projects.models import Membership, MembershipHistory
from apps.projects.services import add_member, change_role, remove_member
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory, SourceFactory, UserFactory

TEXT = "The mayor said the bridge reopens in May. Critics doubt it."


def who(event) -> int | None:
    return event.pgh_context.metadata.get("user") if event.pgh_context else None


def labels(queryset) -> list[str]:
    return list(queryset.order_by("pgh_id").values_list("pgh_label", flat=True))


@pytest.fixture
def text_article(project):
    return ArticleFactory(project=project, text=TEXT)


def test_a_span_made_in_the_workbench_is_recorded_with_its_author(client, analyst, text_article):
    client.force_login(analyst)
    response = client.post(
        f"/annotations/article/{text_article.pk}/new/", {"kind": "claim", "start": 4, "end": 9, "exact": "mayor"}
    )
    assert response.status_code == 302
    [event] = AnnotationHistory.objects.all()
    assert (event.pgh_label, event.exact, event.status, who(event)) == ("created", "mayor", "draft", analyst.pk)
    assert event.pgh_context.metadata["url"] == f"/annotations/article/{text_article.pk}/new/"


# Each change its own transaction, as in the app: the triggers stamp a transaction's start time.
@pytest.mark.django_db(transaction=True)
def test_edits_reviews_links_and_comments_are_recorded_with_before_and_after(analyst, reviewer, text_article):
    with pghistory.context(user=analyst.pk):
        annotation = create_annotation(article=text_article, user=analyst, kind="claim", start=4, end=9, exact="mayor")
        update_annotation(annotation=annotation, user=analyst, base_version=1, note="Named later.")
        source = SourceFactory(project=text_article.project, name="City hall")
        link = link_source(annotation=annotation, source=source, role="claimant", user=analyst)
        unlink_source(link=link, user=analyst)
        add_comment(annotation=annotation, user=analyst, body="Is this the mayor?")
        submit_annotation(annotation=annotation, user=analyst)
    with pghistory.context(user=reviewer.pk):
        review_annotation(annotation=annotation, user=reviewer, decision=Decision.REJECT, reason="Not a claim.")

    # The edit, the link, the unlink (each moves the version on), the submission, the rejection.
    assert labels(annotation.history) == ["created", "changed", "changed", "changed", "changed", "changed"]
    rejected = annotation.history.order_by("pgh_id").last()
    assert (rejected.status, rejected.reviewed_by_id, who(rejected)) == ("rejected", reviewer.pk, reviewer.pk)
    assert labels(LinkHistory.objects.filter(annotation_id=annotation.pk)) == ["created", "deleted"]
    assert labels(CommentHistory.objects.filter(annotation_id=annotation.pk)) == ["created"]

    entries = timeline(
        annotation.history.all(),
        LinkHistory.objects.filter(annotation_id=annotation.pk),
        CommentHistory.objects.filter(annotation_id=annotation.pk),
    )
    assert [entry.what for entry in entries] == [
        "annotation changed",
        "annotation changed",
        "comment created",
        "link deleted",
        "link created",
        "annotation changed",
        "annotation created",
    ]
    assert entries[0].who == reviewer.username and entries[-1].who == analyst.username
    status = next(change for change in entries[0].changes if change.field == "status")
    assert (status.before, status.after) == ("Submitted", "Rejected")
    note = next(change for change in entries[5].changes if change.field == "note")
    assert (note.before, note.after) == ("—", "Named later.")


def test_a_bulk_approval_in_the_admin_records_each_row_with_the_reviewer(client, analyst, reviewer, text_article):
    spans = [
        AnnotationFactory(article=text_article, created_by=analyst, status="submitted", start=s, end=s + 3)
        for s in (0, 4, 10)
    ]
    client.force_login(reviewer)
    response = client.post(
        "/admin/annotations/annotation/",
        {"action": "approve", "_selected_action": [a.pk for a in spans], "index": 0},
    )
    assert response.status_code == 302
    changes = AnnotationHistory.objects.filter(pgh_label="changed")
    assert sorted(changes.values_list("pgh_obj_id", flat=True)) == sorted(a.pk for a in spans)
    assert {(event.status, who(event)) for event in changes.select_related("pgh_context")} == {
        ("approved", reviewer.pk)
    }


def test_a_queryset_update_is_recorded_row_by_row(analyst, text_article):
    spans = [AnnotationFactory(article=text_article, created_by=analyst, start=s, end=s + 3) for s in (0, 4)]
    with pghistory.context(user=analyst.pk, command="tidy"):
        Annotation.objects.filter(pk__in=[a.pk for a in spans]).update(note="bulk")
    changes = AnnotationHistory.objects.filter(pgh_label="changed").select_related("pgh_context")
    assert {(event.pgh_obj_id, event.note, who(event)) for event in changes} == {
        (spans[0].pk, "bulk", analyst.pk),
        (spans[1].pk, "bulk", analyst.pk),
    }


def test_deleting_keeps_the_history_of_the_row_and_of_what_went_with_it(analyst, text_article):
    annotation = AnnotationFactory(article=text_article, created_by=analyst)
    delete_annotation(annotation=annotation, user=analyst)  # soft: a change
    assert annotation.history.order_by("pgh_id").last().deleted_at is not None
    link = link_source(
        annotation=annotation,
        source=SourceFactory(project=text_article.project),
        role="cited",
        user=analyst,
    )
    article_pk, annotation_pk = text_article.pk, annotation.pk
    Article.objects.filter(pk=article_pk).delete()  # cascades to the annotation and its link

    assert not Annotation.objects.filter(pk=annotation_pk).exists()
    assert labels(ArticleHistory.objects.filter(pgh_obj_id=article_pk)) == ["created", "deleted"]
    # Deleted (softly), linked (which moves its version on), then deleted with its article.
    assert labels(AnnotationHistory.objects.filter(pgh_obj_id=annotation_pk)) == [
        "created",
        "changed",
        "changed",
        "deleted",
    ]
    assert labels(LinkHistory.objects.filter(pgh_obj_id=link.pk)) == ["created", "deleted"]


def test_the_history_cannot_be_changed_or_deleted(analyst, text_article):
    AnnotationFactory(article=text_article, created_by=analyst)
    for change in (
        lambda: AnnotationHistory.objects.update(note="forged"),
        lambda: AnnotationHistory.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert AnnotationHistory.objects.get().note == ""


def test_source_edits_are_recorded(client, project, reviewer):
    source = SourceFactory(project=project, name="Ministry")
    client.force_login(reviewer)
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/",
        {
            "name": "Ministry of Defence",
            "kind": "organisation",
            "project": project.pk,
            "url": "",
            "description": "",
            "aliases": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert labels(source.history) == ["created", "changed"]
    last = source.history.order_by("pgh_id").last()
    assert (last.name, last.kind, who(last)) == ("Ministry of Defence", "organisation", reviewer.pk)
    page = client.get(f"/admin/sources/source/{source.pk}/change/").content.decode()
    assert (
        "Changes, newest first" in page
        and '<del dir="auto">Ministry</del> → <ins dir="auto">Ministry of Defence</ins>' in page
    )
    # Its History button shows the same history, not the admin's own log.
    page = client.get(f"/admin/sources/source/{source.pk}/history/").content.decode()
    assert '<del dir="auto">Ministry</del> → <ins dir="auto">Ministry of Defence</ins>' in page
    assert f"<td>{reviewer.username}</td>" in page and "Changed name" not in page


def test_articles_imported_with_copy_are_recorded_without_their_text(project, analyst, tmp_path):
    data = tmp_path / "feed.jsonl"
    data.write_text(
        "\n".join(
            json.dumps({"text": f"Report number {n}. " * 20, "url": f"https://news.example/{n}"}) for n in range(3)
        )
    )
    call_command("import_articles", project.name, str(data), user=analyst.username, processes=1)
    articles = list(Article.objects.filter(project=project))
    assert len(articles) == 3
    events = ArticleHistory.objects.filter(pgh_obj_id__in=[a.pk for a in articles])
    assert sorted(events.values_list("pgh_label", "imported_by_id")) == [("created", analyst.pk)] * 3
    assert not hasattr(ArticleHistory, "text") and not hasattr(ArticleHistory, "original")
    assert [entry.who for entry in timeline(events)] == [analyst.username] * 3

    articles[0].title = "Renamed"
    with pghistory.context(user=analyst.pk):
        update_article(article=articles[0], user=analyst, fields=["title"])
    last = articles[0].history.order_by("pgh_id").last()
    assert (last.pgh_label, last.title, who(last)) == ("changed", "Renamed", analyst.pk)


def test_imported_spans_are_recorded(project, analyst, tmp_path):
    text = "Officials said the bridge is safe on Monday."
    data = tmp_path / "doccano.jsonl"
    data.write_text(json.dumps({"text": text, "label": [[15, 33, "Claim"]]}) + "\n")
    call_command("import_articles", project.name, str(data), user=analyst.username, processes=1)
    [event] = AnnotationHistory.objects.all()
    assert (event.pgh_label, event.exact, event.created_by_id) == ("created", "the bridge is safe", analyst.pk)


def test_membership_changes_are_recorded_and_shown_on_the_project(client, project):
    manager = member(project, Membership.Role.MANAGER, "boss")
    newcomer = UserFactory(username="newcomer")
    with pghistory.context(user=manager.pk):
        add_member(project=project, user=newcomer, role="analyst", by=manager)
        change_role(project=project, user=newcomer, role="reviewer", by=manager)
        remove_member(project=project, user=newcomer, by=manager)
    events = MembershipHistory.objects.filter(project_id=project.pk, user_id=newcomer.pk).order_by("pgh_id")
    assert [(e.pgh_label, e.role) for e in events] == [
        ("created", "analyst"),
        ("changed", "reviewer"),
        ("deleted", "reviewer"),
    ]
    client.force_login(manager)
    page = client.get(f"/admin/projects/project/{project.pk}/change/").content.decode()
    assert "Membership deleted" in page and '<del dir="auto">Analyst</del> → <ins dir="auto">Reviewer</ins>' in page


def test_the_admin_shows_history_read_only_and_only_of_the_users_projects(
    client, project, analyst, reviewer, text_article
):
    annotation = AnnotationFactory(article=text_article, created_by=analyst, status="submitted")
    other = AnnotationFactory(article=ArticleFactory(project=ProjectFactory(), text=TEXT), note="secret note")
    client.force_login(reviewer)
    client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "approve"})
    page = client.get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert "Changes, newest first" in page
    assert f"<td>{reviewer.username}</td>" in page and '<ins dir="auto">Approved</ins>' in page
    assert "secret note" not in page
    assert client.get(f"/admin/annotations/annotation/{other.pk}/change/").status_code in (302, 404)
    # The event tables have no admin pages: nothing there adds, edits or deletes history.
    for model in ("annotationhistory", "linkhistory", "commenthistory"):
        assert client.get(f"/admin/annotations/{model}/").status_code == 404
    assert client.get("/admin/pghistory/context/").status_code == 404


def test_the_article_page_shows_its_changes_and_never_its_text(client, project, reviewer):
    article = ArticleFactory(project=project, text=TEXT, title="Bridge")
    article.title = "Bridge reopens"
    with pghistory.context(user=reviewer.pk):
        update_article(article=article, user=reviewer, fields=["title"])
    client.force_login(reviewer)
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    history = page[page.index("Changes, newest first") :]
    assert '<del dir="auto">Bridge</del> → <ins dir="auto">Bridge reopens</ins>' in history
    assert f"<td>{reviewer.username}</td>" in history
    assert "Critics doubt it" not in history
