"""A reviewer clears the queue in the admin with the keyboard; the analyst reads the reason in the workbench."""

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it.\nThe council met on Monday.\nBudget: 4 million."


def test_reviewer_rejects_from_the_page_approves_three_in_bulk_and_the_analyst_replies(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    spans = [(0, 9), (19, 25), (42, 49), (60, 71)]
    annotations = []
    for minutes, (start, end) in zip((40, 30, 20, 10), spans, strict=True):
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=end, status="submitted")
        Annotation.objects.filter(pk=annotation.pk).update(
            updated_at=timezone.now() - timezone.timedelta(minutes=minutes)
        )
        annotations.append(annotation)

    log_in(page, "rev")
    page.click("text=Review (admin)")
    page.wait_for_url("**/admin/annotations/annotation/queue/")
    assert "4 annotations wait for a decision" in page.inner_text("#content-main")
    page.click(f"a[href='/admin/annotations/annotation/{annotations[0].pk}/change/']")
    assert page.locator(".passage mark.hl").inner_text() == "The mayor"
    page.focus("textarea[name=reason]")
    page.keyboard.type("He said June.")
    page.keyboard.press("Tab")  # to Approve
    page.keyboard.press("Tab")  # to Reject
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/annotations/annotation/{annotations[1].pk}/change/")  # the next in the queue

    page.goto("/admin/annotations/annotation/?status__exact=submitted")
    for annotation in annotations[1:]:
        page.check(f"input[name=_selected_action][value='{annotation.pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    page.wait_for_selector("text=3 approved.")
    statuses = dict(Annotation.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in annotations] == ["rejected", "approved", "approved", "approved"]

    page.context.clear_cookies()
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotations[0].pk}']")
    assert "He said June." in page.locator("#annotation-panel .rejection").inner_text()
    page.fill("#annotation-panel textarea[name=body]", "Fixed: he said May in the interview.")
    page.click("#annotation-panel .comment-form button[type=submit]")
    page.locator("#annotation-panel .comments li", has_text="Fixed: he said May").wait_for()
    page.click("#annotation-panel button:text('Submit for review')")
    page.wait_for_selector("#annotation-panel .message-success:text('Submitted for review.')")
    assert Annotation.objects.get(pk=annotations[0].pk).status == "submitted"
