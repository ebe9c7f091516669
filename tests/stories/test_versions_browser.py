"""In Chromium: add a new version of an article on its page, switch between the two versions and
read what changed."""

import pytest

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory
from tests.stories.test_versions import NEW, OLD, mark

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_version_switch_between_the_two_and_see_the_diff(page):
    analyst = UserFactory(username="ana")
    project = MembershipFactory(user=analyst, role=Membership.Role.ANALYST).project
    old = ArticleFactory(project=project, text=OLD, title="Deal reached")
    mark(old, analyst, "We will sign the accord tomorrow morning")

    log_in(page, "ana")
    page.goto(old.get_absolute_url())
    page.click("a:text('New version')")
    page.fill("textarea[name=text]", NEW)
    page.click("button:text('Add the new version')")
    page.wait_for_selector(".version-switcher strong:text('Version 2 of 2')")
    new = Article.objects.get(replaces=old)
    assert page.url.endswith(new.get_absolute_url())
    page.wait_for_selector("#messages .message-success:text('1 fuzzy')")
    # The quote was carried to the new text, where its words changed.
    carried = Annotation.objects.get(article=new)
    assert carried.exact == "We will sign the treaty tomorrow morning"
    page.wait_for_selector("#annotation-list :text('We will sign the treaty tomorrow morning')")

    page.click(".version-switcher a:text('Version 1')")
    page.wait_for_selector(".version-switcher strong:text('Version 1 of 2')")
    assert page.url.endswith(old.get_absolute_url())
    assert "(a later version exists)" in page.inner_text(".version-switcher")
    page.wait_for_selector("#annotation-list :text('We will sign the accord tomorrow morning')")

    page.click(".version-switcher a:text('Version 2')")
    page.wait_for_selector(".version-switcher strong:text('Version 2 of 2')")
    page.click(".version-switcher a:text('What changed')")
    diff = page.locator("#version-diff")
    diff.wait_for()
    assert diff.locator("del").first.inner_text() == "accord"
    assert diff.locator("ins", has_text="treaty").count() == 1
    assert diff.locator("ins", has_text="Update: this article was corrected").count() == 1
    assert diff.locator("del", has_text="Critics called the deal rushed").count() == 1
    # Comparing the other way round swaps what is inserted and what is removed.
    page.select_option("select[name=from]", str(new.pk))
    page.select_option("select[name=to]", str(old.pk))
    page.click("button:text('Compare')")
    page.wait_for_url("**from=*")
    assert page.locator("#version-diff ins", has_text="accord").count() == 1
