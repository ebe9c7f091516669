"""An analyst finds a rejection from the header, reads its reason at the top of the panel, replies
and hands the annotation in again; the reason still heads the discussion."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, review_annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it."
REASON = "Misquoted: he said June in the interview."


def test_the_analyst_finds_the_rejection_from_the_header_and_reads_it_at_the_top_of_the_panel(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    annotation = AnnotationFactory(article=article, created_by=analyst, start=15, end=41, status="submitted")
    review_annotation(annotation=annotation, user=reviewer, decision=Decision.REJECT, reason=REASON)

    log_in(page, "ana")
    expect(page.locator("#unread-total")).to_have_text("1 rejected")
    page.click("#unread-total")
    page.click(".rejected-annotations a")
    panel = page.locator("#annotation-panel")
    notice = panel.locator(".rejection-notice")
    expect(notice).to_contain_text(REASON)
    # At the top: above the edit form and the sources, in view without scrolling the panel.
    notice_top = notice.bounding_box()["y"]
    assert notice_top < panel.locator(".edit-form").bounding_box()["y"]
    assert notice_top < panel.locator(".link-form").bounding_box()["y"]
    expect(notice).to_be_in_viewport()
    expect(panel.locator(".discussion .rejection")).to_contain_text(REASON)

    panel.locator("textarea[name=body]").fill("Checked the recording: it is June. Fixed.")
    panel.locator(".comment-form button[type=submit]").click()
    expect(panel.locator(".comments li", has_text="it is June")).to_be_visible()
    panel.locator("button:text('Submit for review')").click()
    expect(panel.locator(".message-success")).to_have_text("Submitted for review.")
    assert Annotation.objects.get(pk=annotation.pk).status == "submitted"
    expect(panel.locator(".rejection-notice")).to_have_count(0)
    # The reason still heads the discussion, before the reply.
    expect(panel.locator(".discussion .rejection")).to_contain_text(REASON)
    assert (
        panel.locator(".discussion .rejection").bounding_box()["y"]
        < panel.locator(".comments li", has_text="it is June").bounding_box()["y"]
    )
    page.reload()
    expect(page.locator("#unread-total")).to_have_text("Replies")
