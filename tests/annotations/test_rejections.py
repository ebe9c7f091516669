"""Analysts learn of a rejection: the header counts their rejected annotations until they rework
them, the page it leads to lists them with the reason, and the reason heads the annotation's
discussion, also once it was handed in again."""

from django.urls import reverse

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, add_comment, review_annotation, submit_annotation, update_annotation
from tests.annotations.test_unread import unread_total
from tests.factories import AnnotationFactory
from tests.test_pages import html_problems


def rejected(annotation, reviewer, reason="Misquoted: he said June.") -> Annotation:
    review_annotation(annotation=annotation, user=reviewer, decision=Decision.REJECT, reason=reason)
    annotation.refresh_from_db()
    return annotation


def test_the_header_counts_ones_rejected_annotations_until_they_are_reworked(
    client, article, analyst, other_analyst, reviewer
):
    first, second, theirs = (
        AnnotationFactory(article=article, created_by=author, start=start, end=start + 5, status="submitted")
        for author, start in ((analyst, 0), (analyst, 10), (other_analyst, 20))
    )
    client.force_login(analyst)
    assert ">Replies<" in unread_total(client)
    rejected(first, reviewer)
    rejected(theirs, reviewer)  # another analyst's rejection is not theirs to learn of
    assert ">1 rejected<" in unread_total(client)
    add_comment(annotation=second, user=reviewer, body="Which bridge?")
    assert ">2 new: 1 rejected, 1 reply<" in unread_total(client)

    page = client.get(reverse("annotations:unread")).content.decode()
    assert html_problems(page) == []
    listed = page.split('class="rejected-annotations"')[1].split("</ul>")[0]
    assert f"?annotation={first.pk}" in listed and "Misquoted: he said June." in listed
    assert "rejected by reviewer1" in listed and f"?annotation={theirs.pk}" not in listed

    # Handed in again: no longer waiting for them.
    submit_annotation(annotation=first, user=analyst, seen_version=first.version)
    assert ">1 new reply<" in unread_total(client)
    # An edit sends a rejection back to draft: reworked too.
    rejected(Annotation.objects.get(pk=first.pk), reviewer)
    assert ">2 new: 1 rejected, 1 reply<" in unread_total(client)
    first.refresh_from_db()
    update_annotation(annotation=first, user=analyst, base_version=first.version, note="He said June.")
    assert ">1 new reply<" in unread_total(client)


def test_the_count_keeps_to_the_projects_the_analyst_is_in(client, article, analyst, reviewer):
    annotation = rejected(AnnotationFactory(article=article, created_by=analyst, status="submitted"), reviewer)
    client.force_login(analyst)
    assert ">1 rejected<" in unread_total(client)
    Annotation.objects.filter(pk=annotation.pk).update(deleted_at=annotation.updated_at)
    assert ">Replies<" in unread_total(client)
    Annotation.objects.filter(pk=annotation.pk).update(deleted_at=None)
    # Out of the project, its rejections are no longer theirs to rework.
    analyst.memberships.all().delete()
    client.force_login(analyst)
    assert ">Replies<" in unread_total(client)


def test_the_reason_heads_the_discussion_and_stays_after_resubmission(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    add_comment(annotation=annotation, user=reviewer, body="First remark, before the rejection.")
    rejected(annotation, reviewer)
    client.force_login(analyst)
    panel = client.get(reverse("annotations:panel", args=[annotation.pk])).content.decode()
    assert html_problems(panel, container="aside") == []
    # At the top of the panel, above the edit form and the sources, while it is rejected.
    notice = panel.index('class="message message-error rejection-notice"')
    assert notice < panel.index('class="edit-form"') < panel.index('class="link-form"')
    assert "Misquoted: he said June." in panel[notice : panel.index('class="edit-form"')]
    # And heading the discussion, before its comments, earlier ones too.
    discussion = panel[panel.index('class="discussion"') :]
    assert discussion.index("Misquoted: he said June.") < discussion.index("First remark, before the rejection.")

    client.post(reverse("annotations:submit", args=[annotation.pk]), {"version": annotation.version})
    panel = client.get(reverse("annotations:panel", args=[annotation.pk])).content.decode()
    assert "rejection-notice" not in panel
    discussion = panel[panel.index('class="discussion"') :]
    assert "Rejected by reviewer1" in discussion and "Misquoted: he said June." in discussion
    assert "(submitted since)" in discussion
    assert discussion.index("Misquoted: he said June.") < discussion.index("First remark, before the rejection.")


def test_the_header_counts_up_to_a_limit_and_says_there_are_more(client, article, analyst, reviewer, monkeypatch):
    monkeypatch.setattr("apps.annotations.context_processors.MAX_COUNTED", 2)
    for start in (0, 10, 20):
        annotation = AnnotationFactory(
            article=article, created_by=analyst, start=start, end=start + 5, status="submitted"
        )
        rejected(annotation, reviewer)
    client.force_login(analyst)
    assert ">2+ rejected<" in unread_total(client)
