"""A reviewer gives an analyst two articles; the analyst finds them first, marks one done; the
review desk shows the progress."""

import pytest

from apps.articles.models import Assignment, DoneMark
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def titles(page) -> list[str]:
    return page.locator("table.articles tbody tr td a[dir=auto]").all_inner_texts()


def test_reviewer_assigns_two_articles_the_analyst_marks_one_done_and_progress_shows_it(page):
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    project = membership.project
    MembershipFactory(user=reviewer, project=project, role=Membership.Role.REVIEWER)
    older, middle, newest = (ArticleFactory(project=project, title=title) for title in ("Older", "Middle", "Newest"))

    log_in(page, "rev")
    page.select_option("select[name=project]", str(project.pk))
    page.click("form.search button")
    page.wait_for_url(f"**/articles/?*project={project.pk}*")
    page.check("input[aria-label='Select Older']")
    page.check("input[aria-label='Select Middle']")
    page.check("#assignment-form label:text('ana') input")
    page.click("#assignment-form button[value=assign]")
    page.wait_for_selector("#messages .message-success:text('2 articles assigned to ana.')")
    assert set(Assignment.objects.values_list("article__title", "user__username")) == {
        ("Older", "ana"),
        ("Middle", "ana"),
    }

    page.context.clear_cookies()
    log_in(page, "ana")
    assert titles(page) == ["Middle", "Older", "Newest"]
    assert page.locator("tbody tr", has_text="Middle").locator("td.work").inner_text() == "Assigned to you to do"
    page.check("input[name=assigned]")
    page.click("form.search button")
    page.wait_for_url("**/articles/?*assigned=me*")
    assert titles(page) == ["Middle", "Older"]

    page.click("text=Older")
    page.wait_for_url(older.get_absolute_url())
    page.click("#done-mark button:text('Mark as done')")
    page.wait_for_selector("#done-mark :text('Done ✓')")
    assert list(DoneMark.objects.values_list("article__title", flat=True)) == ["Older"]
    page.goto("/articles/")
    assert titles(page) == ["Middle", "Older", "Newest"]
    assert page.locator("tbody tr", has_text="Older").locator("td.work").inner_text() == "Assigned to you done ✓"

    page.context.clear_cookies()
    log_in(page, "rev")
    page.goto("/admin/review/")
    page.click("a:text('Progress')")
    row = page.locator("table.progress tbody tr", has_text="ana")
    assert "1 of 2 done" in row.inner_text()
    assert newest.title not in page.inner_text("#content-main")


def test_the_done_mark_keeps_the_text_where_it_was(page):
    """The mark arrives after the page: a reader already selecting words must not see them move."""
    analyst = UserFactory(username="ana")
    article = ArticleFactory(project=MembershipFactory(user=analyst).project)
    log_in(page, "ana")

    def text_top() -> float:
        return page.locator("#article-text").bounding_box()["y"]

    page.route("**/done/", lambda route: route.abort())
    page.goto(article.get_absolute_url())
    before = text_top()
    page.unroute("**/done/")
    page.goto(article.get_absolute_url())
    page.wait_for_selector("#done-mark button:text('Mark as done')")
    assert text_top() == before
    page.click("#done-mark button:text('Mark as done')")
    page.wait_for_selector("#done-mark :text('Done ✓')")
    assert text_top() == before
