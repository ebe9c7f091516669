"""The source directory in a real browser: from a source link in the workbench to the source's
page, and a manager's merge of a duplicate and its undo."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Link
from apps.projects.models import Membership
from apps.sources.models import Source
from tests.browser.test_workbench import open_annotation
from tests.conftest import log_in
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    LinkFactory,
    MembershipFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_the_workbench_to_the_source_page_then_merge_a_duplicate_and_undo(page):
    manager = UserFactory(username="mana")
    project = MembershipFactory(user=manager, role=Membership.Role.MANAGER).project
    lukashenko = SourceFactory(project=project, name="Alexander Lukashenko")
    duplicate = SourceFactory(project=project, name="Alexandr Lukashenko")
    article = ArticleFactory(project=project, text="Lukashenko said the border stays closed. Minsk agreed.")
    quote = AnnotationFactory(article=article, kind="quote", start=16, end=39, created_by=manager)
    LinkFactory(annotation=quote, source=lukashenko, role=Link.Role.SAID_BY)
    other = ArticleFactory(project=project, text="Alexandr Lukashenko claimed the vote was fair.")
    claim = AnnotationFactory(article=other, kind="claim", start=28, end=45, created_by=manager)
    LinkFactory(annotation=claim, source=duplicate, role=Link.Role.CLAIMANT)

    log_in(page, "mana")
    page.get_by_role("link", name="Sources", exact=True).click()
    expect(page.locator("#source-results .count")).to_have_text("2")
    page.get_by_label("Search sources by name or alias").fill("lukashenka")
    expect(page.locator("#source-results tbody tr")).to_have_count(2)

    open_annotation(page, article, quote)
    page.locator("#annotation-panel a.source-link", has_text="Alexander Lukashenko").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alexander Lukashenko")
    expect(page.locator(".source-annotations li")).to_have_count(1)
    expect(page.locator(".source-annotations .passage")).to_have_text("the border stays closed")

    # The duplicate is proposed on the page; merging it brings its claim along.
    page.locator("ul.duplicates li", has_text="Alexandr Lukashenko").get_by_role(
        "button", name="Merge it into this source"
    ).click()
    expect(page.locator("#messages")).to_contain_text("“Alexandr Lukashenko” was merged into “Alexander Lukashenko”")
    expect(page.locator(".source-annotations li")).to_have_count(2)
    expect(page.locator("#claims li")).to_contain_text("the vote was fair")
    expect(page.locator(".aliases")).to_have_text("Alexandr Lukashenko")
    assert not Source.objects.filter(pk=duplicate.pk).exists()

    page.get_by_role("button", name="Undo this merge").click()
    expect(page.locator("#messages")).to_contain_text("The merge of “Alexandr Lukashenko” was undone.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alexandr Lukashenko")
    expect(page.locator(".source-annotations .passage")).to_have_text("the vote was fair")
    assert Link.objects.get(annotation=claim).source_id == duplicate.pk
    assert Link.objects.get(annotation=quote).source_id == lukashenko.pk
