"""A reviewer decides in the workbench's side panel; an analyst submits there."""

import pytest

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge would reopen in May.\nCritics doubt it."


def test_reviewer_rejects_with_a_reason_then_the_analyst_resubmits(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    annotation = AnnotationFactory(
        article=article, start=0, end=46, created_by=analyst, status=Annotation.Status.SUBMITTED
    )

    log_in(page, "rev")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    page.click("#annotation-panel form.review-form button[value=reject]")
    alert = page.locator("#annotation-panel form.review-form .errorlist")
    alert.wait_for()
    assert "Say why it is rejected" in alert.inner_text()
    page.fill("#annotation-panel form.review-form textarea[name=reason]", "The mayor said June, not May.")
    page.click("#annotation-panel form.review-form button[value=reject]")
    page.wait_for_selector("#annotation-panel .message-success")
    assert page.locator("#annotation-panel .status").inner_text().startswith("Rejected · reviewed by rev")
    assert "The mayor said June, not May." in page.locator("#annotation-panel .history").inner_text()
    annotation.refresh_from_db()
    assert (annotation.status, annotation.reviewed_by) == ("rejected", reviewer)

    page.context.clear_cookies()
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    assert page.locator("#annotation-panel form.review-form").count() == 0
    page.click("#annotation-panel button:text('Submit for review')")
    page.wait_for_selector("#annotation-panel .message-success:text('Submitted for review.')")
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
