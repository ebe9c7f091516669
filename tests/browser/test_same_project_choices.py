"""The admin's type-ahead of an article's publisher offers sources of the article's project only."""

import pytest
from playwright.sync_api import expect

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
    # Retried until the answer for the whole typed word is shown (no "Searching…" row left).
    expect(page.locator(".select2-results__option")).to_have_text(["Daily Own"])
