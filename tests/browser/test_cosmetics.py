"""What a new user saw out of place, measured in a real browser: the boxes a page lays out and the
styles it computes."""

import pytest
from playwright.sync_api import expect

from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\n" + "Critics doubt it, and say so at length. " * 60


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.fixture
def analyst_page(page):
    membership = MembershipFactory(user=UserFactory(username="analyst"), role=Membership.Role.ANALYST)
    article = ArticleFactory(project=membership.project, title="Bridge to reopen", text=TEXT)
    log_in(page, "analyst")
    return page, article


def test_the_saved_message_never_covers_the_page_title(analyst_page):
    page, article = analyst_page
    page.goto(f"/articles/{article.pk}/details/")
    page.click("button:text('Save the details')")
    message = page.locator("#messages .message")
    expect(message).to_have_text("Nothing was changed.")
    title = page.locator("main h1")
    expect(title).to_have_text("Bridge to reopen")
    # Scrolled until the title reaches the top of the window, as a reader does.
    page.evaluate("top => window.scrollTo(0, top)", box(page, "main h1")["y"] - 10)
    page.wait_for_timeout(100)  # a scroll is painted in the next frame; nothing to wait for besides
    assert not overlap(box(page, "#messages .message"), box(page, "main h1"))


def test_the_user_name_stands_apart_from_the_api_tokens_link_and_log_out(analyst_page):
    page, _ = analyst_page
    who, tokens, logout = box(page, ".logout .who"), box(page, ".logout a"), box(page, ".logout button")
    assert tokens["x"] - (who["x"] + who["width"]) >= 12
    assert logout["x"] - (tokens["x"] + tokens["width"]) >= 12
    rule = page.locator(".logout .who").evaluate("e => getComputedStyle(e).borderInlineEndWidth")
    assert float(rule.removesuffix("px")) >= 1
    assert page.locator(".logout .who").text_content() == "Signed in as analyst"
    assert "analyst API tokens" not in page.locator("header.topbar").inner_text()
