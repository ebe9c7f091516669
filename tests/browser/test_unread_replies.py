"""An analyst follows a new reply from the header to the annotation's discussion."""

import pytest

from apps.annotations.services import add_comment
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it."


def test_a_new_reply_opens_its_annotation_and_is_read_there(page):
    analyst = UserFactory(username="ana")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    reviewer = UserFactory(username="rev")
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    AnnotationFactory(article=article, created_by=analyst, start=4, end=9)
    second = AnnotationFactory(article=article, created_by=analyst, start=18, end=24)
    add_comment(annotation=second, user=reviewer, body="Which bridge is meant here?")

    log_in(page, "ana")
    page.click("#unread-total:text('1 new reply')")
    page.click(".unread-threads a")
    page.wait_for_selector("#annotation-panel :text('Which bridge is meant here?')")
    assert page.locator(f'mark.current[data-ids~="{second.pk}"]').count() >= 1
    page.reload()
    assert page.locator("#unread-total").inner_text() == "Replies"
