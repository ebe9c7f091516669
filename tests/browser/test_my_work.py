"""An analyst's day in a real browser: search "Abkommen" from the header, open the German sample at
the match, find "Mil-Man" in it with the workbench's find box, mark the match as a quote, and find
it in My work and in the list of annotations said by him; the header's count follows a reading
without a page load."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.annotations.services import add_comment
from apps.articles.models import Article
from tests.conftest import log_in
from tests.factories import AnnotationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def german(db):
    call_command("load_demo")
    call_command("db_worker", batch=True, startup_delay=False, reload=False)  # what runs after an import
    return Article.objects.get(language="de")


def test_search_open_at_the_match_find_mark_a_quote_and_see_it_in_my_work(page, german):
    log_in(page, "analyst", "analyst-demo-pass")

    page.fill(".header-search input[name=q]", "Abkommen")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Abkommen")
    result = page.locator(".hit-article").filter(has=page.locator(f"a[href^='/articles/{german.pk}/']"))
    result.locator("a.hit-title").click()
    page.wait_for_url(re.compile(rf"/articles/{german.pk}/#block-\d+$"))
    expect(page.locator(f"#block-{page.url.rsplit('#block-', 1)[1]}")).to_contain_text("Abkommen")

    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    page.locator("#article-text").focus()
    page.keyboard.press("/")
    expect(find).to_be_focused()
    find.fill("Mil-Man")
    expect(status).to_have_text(f"1 of {german.text.count('Mil-Man')}")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#selection-toolbar")).to_be_visible()
    assert page.evaluate("getSelection().toString()") == "Mil-Man"
    page.keyboard.press("q")
    expect(page.locator("#annotation-panel")).to_be_focused()
    quote = Annotation.objects.get(kind="quote")
    assert (quote.exact, quote.start) == ("Mil-Man", german.text.index("Mil-Man"))

    page.get_by_role("link", name="My work", exact=True).click()
    page.wait_for_url("**/annotations/mine/")
    drafts = page.locator("#draft")
    expect(drafts.locator(f"li[data-id='{quote.pk}'] .passage")).to_have_text("Mil-Man")
    expect(drafts.locator(".count")).to_have_text("1")

    # From My work back into the workbench, at the quote's span, with its panel open.
    drafts.locator(f"li[data-id='{quote.pk}'] a.passage-link").click()
    page.wait_for_url(f"**/articles/{german.pk}/?annotation={quote.pk}")
    expect(page.locator("#annotation-panel")).to_have_attribute("data-annotation", str(quote.pk))
    expect(page.locator(f"mark.current[data-ids~='{quote.pk}']").first).to_be_in_viewport()


def test_the_list_of_annotations_finds_the_quotes_said_by_someone_and_exports_them(page, german):
    analyst = get_user_model().objects.get(username="analyst")
    start = german.text.index("Mil-Man")
    AnnotationFactory(article=german, created_by=analyst, kind="quote", start=start, end=start + len("Mil-Man"))
    log_in(page, "analyst", "analyst-demo-pass")
    page.get_by_role("link", name="Annotations", exact=True).click()
    page.wait_for_url("**/search/annotations/")
    expect(page.locator(".annotation-results li.hit")).to_have_count(1)
    page.get_by_label("Kind").select_option("claim")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".annotation-results li.empty")).to_be_visible()  # swapped in by htmx
    assert "kind=claim" in page.url
    page.get_by_label("Kind").select_option("quote")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".annotation-results li.hit")).to_have_count(1)
    csv_link = page.locator(".export-links a", has_text="csv")
    expect(csv_link).to_have_attribute("href", re.compile(r"status=all&kind=quote"))


def test_reading_a_reply_updates_the_header_count_without_a_page_load(page, german):
    User = get_user_model()
    analyst, reviewer = User.objects.get(username="analyst"), User.objects.get(username="reviewer")
    start = german.text.index("Mil-Man")
    quote = AnnotationFactory(article=german, created_by=analyst, kind="quote", start=start, end=start + 7)
    add_comment(annotation=quote, user=reviewer, body="Which interview is this from?")
    log_in(page, "analyst", "analyst-demo-pass")
    expect(page.locator("#unread-total")).to_have_text("1 new reply")
    page.goto(german.get_absolute_url())
    page.evaluate("window.sameDocument = true")
    page.locator(f"#annotation-list a.jump[data-id='{quote.pk}']").click()
    expect(page.locator("#annotation-panel")).to_contain_text("Which interview is this from?")
    expect(page.locator("#unread-total")).to_have_text("Replies")
    expect(page.locator("#unread-total")).to_have_count(1)
    assert page.evaluate("window.sameDocument") is True

    # A reply read in another tab: this one counts again when its window gets the focus back.
    add_comment(annotation=quote, user=reviewer, body="And the date?")
    page.goto("/annotations/mine/")
    expect(page.locator("#unread-total")).to_have_text("1 new reply")
    page.evaluate("window.sameDocument = true")
    other = page.context.new_page()
    other.goto(f"{german.get_absolute_url()}?annotation={quote.pk}")
    expect(other.locator("#annotation-panel")).to_contain_text("And the date?")
    expect(other.locator("#unread-total")).to_have_text("Replies")
    other.close()
    page.evaluate("window.dispatchEvent(new FocusEvent('focus'))")
    expect(page.locator("#unread-total")).to_have_text("Replies")
    assert page.evaluate("window.sameDocument") is True
