"""Search in a real browser: from the header's box to the German sample, opened at the match."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.articles.models import Article
from tests.conftest import log_in
from tests.factories import AnnotationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_abkommen_from_the_header_and_open_the_german_sample_at_the_match(page):
    call_command("load_demo")
    call_command("db_worker", batch=True, startup_delay=False, reload=False)  # what runs after an import
    german = Article.objects.get(language="de")
    log_in(page, "analyst", "analyst-demo-pass")

    page.fill(".header-search input[name=q]", "Abkommen")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Abkommen")
    result = page.locator(".hit-article").filter(has=page.locator(f"a[href^='/articles/{german.pk}/']"))
    expect(result).to_have_count(1)
    expect(result.locator(".snippet mark").first).to_have_text(re.compile("abkommen", re.IGNORECASE))
    expect(page.locator(".hit-article")).to_have_count(1)  # the English sample says "agreement"

    result.locator("a.hit-title").click()
    page.wait_for_url(re.compile(rf"/articles/{german.pk}/#block-\d+$"))
    paragraph = page.locator(f"#block-{page.url.rsplit('#block-', 1)[1]}")
    expect(paragraph).to_contain_text("Abkommen")
    expect(paragraph).to_be_in_viewport()


def test_an_annotation_found_opens_in_its_article_with_its_panel(page):
    call_command("load_demo")
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    german = Article.objects.get(language="de")
    start = german.text.index("Warnsignal")
    from django.contrib.auth import get_user_model

    analyst = get_user_model().objects.get(username="analyst")
    annotation = AnnotationFactory(article=german, created_by=analyst, start=start, end=start + len("Warnsignal"))
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto("/search/?q=Warnsignal&type=annotation")
    page.click(f"a[href='/articles/{german.pk}/?annotation={annotation.pk}']")
    expect(page.locator("#annotation-panel form.edit-form")).to_be_visible()
