"""What a new user saw out of place, measured in a real browser: the boxes a page lays out and the
styles it computes."""

import pytest
from playwright.sync_api import expect

from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

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
    # Read aloud, the name is said to be the user's: "Signed in as analyst", then the link.
    assert "Signed in as analyst" in page.locator(".logout").text_content()
    assert page.locator(".logout .who").text_content() == "analyst"
    assert "analyst API tokens" not in page.locator("header.topbar").inner_text()


PASSAGE = (
    "“This agreement should raise heavy concerns in the West. Belarus is in fact an integral part of Russia and "
    "operates in full coordination with the Kremlin.”"
)


@pytest.fixture
def desk(page):
    """A manager's review desk over an article two analysts marked."""
    manager = UserFactory(username="manager")
    membership = MembershipFactory(user=manager, role=Membership.Role.MANAGER)
    article = ArticleFactory(project=membership.project, text=f"Tel Aviv.\n{PASSAGE}\nThat is all.")
    start = article.text.index(PASSAGE)
    for name, (begin, end) in {"analyst1": (0, 0), "analyst2": (1, -1)}.items():
        analyst = UserFactory(username=name)
        MembershipFactory(user=analyst, project=membership.project, role=Membership.Role.ANALYST)
        AnnotationFactory(
            article=article,
            created_by=analyst,
            kind="quote",
            start=start + begin,
            end=start + len(PASSAGE) + end,
            status="submitted",
        )
    log_in(page, "manager")
    return page, membership.project, article


def test_the_dashboards_chart_labels_are_at_least_12_px(desk):
    page, project, _ = desk
    page.goto(f"/admin/review/project/{project.pk}/dashboard/")
    labels = page.locator("svg.chart text")
    expect(labels.first).to_be_visible()
    # The size on screen: the font size in the chart's units times the chart's scale.
    sizes = labels.evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"
    )
    assert len(sizes) > 10 and min(sizes) >= 12, sizes


def test_curations_passage_column_is_wide_enough_to_read(desk):
    page, _, article = desk
    page.goto(f"/admin/review/article/{article.pk}/curation/")
    passage = box(page, "table.curation td.context")
    assert passage["width"] >= 24 * 16, passage  # 24rem at least, not the 200 px it was squeezed into


def test_the_review_desks_breadcrumbs_are_padded_as_the_admins(desk):
    page, project, _ = desk
    page.goto("/admin/projects/project/")
    admin_crumbs = box(page, ".breadcrumbs li")
    page.goto(f"/admin/review/project/{project.pk}/dashboard/")
    crumbs = page.locator(".breadcrumbs")
    expect(crumbs).to_contain_text("Dashboard")
    assert box(page, ".breadcrumbs li") == admin_crumbs  # "Home", where the admin's own pages show it
    assert float(crumbs.evaluate("e => getComputedStyle(e).paddingLeft").removesuffix("px")) >= 10
    # A space after each "›" too, as between the admin's crumbs.
    home, desk_crumb = page.locator(".breadcrumbs li").all()[:2]
    assert desk_crumb.bounding_box()["x"] - (home.bounding_box()["x"] + home.bounding_box()["width"]) >= 3


def test_the_article_texts_focus_ring_stands_clear_of_the_text(analyst_page):
    page, article = analyst_page
    page.goto(article.get_absolute_url())
    page.keyboard.press("Tab")  # the skip link, which leads to the text
    page.keyboard.press("Enter")
    text = page.locator("#article-text")
    expect(text).to_be_focused()
    style = text.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineOffset]; }")
    assert style[0] != "none" and float(style[1].removesuffix("px")) >= 4, style


def test_a_refused_rejection_marks_the_reason_field_in_the_panel(page):
    reviewer = UserFactory(username="rev")
    membership = MembershipFactory(user=reviewer, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=membership.project, text=TEXT)
    annotation = AnnotationFactory(article=article, end=9, created_by=UserFactory(), status="submitted")
    log_in(page, "rev")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    page.click("#annotation-panel form.review-form button[value=reject]")
    reason = page.locator("#annotation-panel textarea[name=reason]")
    expect(reason).to_have_attribute("aria-invalid", "true")
    error = page.locator("#annotation-panel form.review-form .errorlist")
    expect(error).to_have_text("Say why it is rejected; the author needs the reason.")
    # Beside the field: between its label and it, and in red as the field's ring.
    label, field, message = (
        box(page, "label[for=id_review_reason]"),
        box(page, "#id_review_reason"),
        error.bounding_box(),
    )
    assert label["y"] < message["y"] < field["y"]
    colour = reason.evaluate("e => getComputedStyle(e).outlineColor")
    assert colour == "rgb(179, 38, 30)", colour
