"""A reviewer clears the queue in the admin without the mouse: keys only, from the log-in on.

Headless Chromium does not act on access keys sent by Playwright, so these tests go by the focus
order (Tab and Enter); the access keys (Alt+A, R, D, N, W) are there for people."""

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it."


def test_a_reviewer_clears_two_queued_annotations_with_the_keyboard_only(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    first = AnnotationFactory(article=article, created_by=analyst, start=0, end=9, status="submitted")
    second = AnnotationFactory(article=article, created_by=analyst, start=42, end=58, status="submitted")
    Annotation.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=1))

    page.goto("/login/")
    page.keyboard.type("rev")  # the user name field has the cursor
    page.keyboard.press("Tab")
    page.keyboard.type("secret-pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/")

    page.goto("/admin/annotations/annotation/queue/")
    assert "2 annotations wait for a decision" in page.inner_text("#content-main")
    page.keyboard.press("Enter")  # the first, the longest waiting, has the focus
    page.wait_for_url(f"**/admin/annotations/annotation/{first.pk}/change/")
    page.keyboard.press("Tab")  # from the reason to Approve
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/annotations/annotation/{second.pk}/change/")  # on to the next

    assert page.evaluate("document.activeElement.name") == "reason"  # the cursor waits in the reason
    page.keyboard.type("Not what the article says.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Reject
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/annotations/annotation/queue/")
    assert "Nothing waits for you" in page.inner_text("#content-main")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "rejected")
    assert second.events.get(action="rejected").comment == "Not what the article says."


def test_tab_order_of_the_decision_is_reason_approve_reject_back_to_draft(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    annotation = AnnotationFactory(
        article=ArticleFactory(project=membership.project, text=TEXT), created_by=analyst, status="submitted"
    )
    page.goto("/login/")
    page.keyboard.type("rev")
    page.keyboard.press("Tab")
    page.keyboard.type("secret-pass-123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/")
    page.goto(f"/admin/annotations/annotation/{annotation.pk}/change/")
    order = [page.evaluate("document.activeElement.name")]
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.value"))
    assert order == ["reason", "approve", "reject", "draft"]
    page.keyboard.press("Enter")  # back to draft, from the keyboard
    page.wait_for_url("**/admin/annotations/annotation/queue/")
    annotation.refresh_from_db()
    assert annotation.status == "draft"
