"""An analyst submits all their drafts after confirming how many, with script and without, and
withdraws one submission from the panel before a reviewer decides."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it."


@pytest.fixture
def drafts():
    analyst = UserFactory(username="ana")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=membership.project, text=TEXT)
    spans = ((4, 9), (19, 25))
    return article, [AnnotationFactory(article=article, created_by=analyst, start=s, end=e) for s, e in spans]


def statuses(annotations) -> list[str]:
    return [Annotation.objects.get(pk=annotation.pk).status for annotation in annotations]


def test_submitting_all_drafts_asks_with_the_count_and_a_submission_is_withdrawn(page, drafts):
    article, annotations = drafts
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.click("button:text('Submit all my drafts (2)')")
    expect(page.locator(".submit-drafts")).to_be_visible()
    assert questions == [
        "Submit your 2 drafts of this article for review? Reviewers then decide on them; "
        "you can withdraw one until a reviewer has."
    ]
    assert statuses(annotations) == ["draft", "draft"]

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.click("button:text('Submit all my drafts (2)')")
    expect(page.locator("#messages .message-success")).to_have_text("2 draft(s) submitted for review.")
    expect(page.locator(".submit-drafts")).to_have_count(0)
    assert statuses(annotations) == ["submitted", "submitted"]

    page.click(f"mark[data-ids='{annotations[1].pk}']")
    panel = page.locator("#annotation-panel")
    panel.locator("button:text('Withdraw submission')").click()
    expect(panel.locator(".message-success")).to_have_text("Withdrawn: it is your draft again.")
    expect(panel.locator(".status")).to_have_text("Draft")
    expect(panel.locator(".withdraw-form")).to_have_count(0)
    expect(page.locator("button:text('Submit all my drafts (1)')")).to_be_visible()
    assert statuses(annotations) == ["submitted", "draft"]


def test_without_script_a_page_asks_before_submitting(browser, live_server, drafts):
    article, annotations = drafts
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, "ana")
        page.goto(article.get_absolute_url())
        page.click("button:text('Submit all my drafts (2)')")
        expect(page.locator("#confirm-drafts-question")).to_have_text(
            "Submit your 2 drafts of this article for review? Reviewers then decide on them; "
            "you can withdraw one until a reviewer has."
        )
        assert statuses(annotations) == ["draft", "draft"]
        page.click("button:text('Submit 2 drafts')")
        expect(page.locator("#messages .message-success")).to_have_text("2 draft(s) submitted for review.")
        assert statuses(annotations) == ["submitted", "submitted"]
    finally:
        context.close()
