"""An analyst hands all their drafts of an article to the reviewers with one button."""

import pytest

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it."


def test_submit_all_my_drafts_from_the_workbench(page):
    analyst = UserFactory(username="ana")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=membership.project, text=TEXT)
    drafts = [AnnotationFactory(article=article, created_by=analyst, start=s, end=e) for s, e in ((4, 9), (18, 24))]

    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.once("dialog", lambda dialog: dialog.accept())  # it asks first, with the count
    page.click("button:text('Submit all my drafts (2)')")
    page.wait_for_selector("#messages .message-success:text('2 draft(s) submitted for review.')")
    page.locator(".submit-drafts").wait_for(state="detached")  # the list is drawn again, with none left
    assert set(Annotation.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)) == {
        "submitted"
    }
