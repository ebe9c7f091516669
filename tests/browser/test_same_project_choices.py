"""The admin's type-ahead of an article's publisher offers sources of the article's project only."""

import pytest

from apps.articles.models import Story
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_publisher_type_ahead_offers_only_the_articles_project(page):
    own, other = ProjectFactory(name="Own"), ProjectFactory(name="Other")
    user = UserFactory(username="both")
    MembershipFactory(project=own, user=user, role=Membership.Role.REVIEWER)
    MembershipFactory(project=other, user=user, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=own, story=Story.objects.create(project=own, title="Own story"))
    SourceFactory(project=own, name="Daily Own", kind="outlet")
    SourceFactory(project=other, name="Daily Other", kind="outlet")

    log_in(page, "both")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.click(".field-publisher .select2-selection")
    page.keyboard.type("Daily")
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.first.wait_for()
    page.wait_for_function("!document.querySelector('.select2-results__option.loading-results')")
    assert options.all_inner_texts() == ["Daily Own"]
