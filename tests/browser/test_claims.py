"""A claim traced across the two sample languages in a real browser: marked in English, made a
claim, its German version attached from the proposals, judged by a reviewer, and its page."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.articles.models import Article
from apps.claims.models import Claim
from tests.browser.test_workbench import select_text
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = "Belarus is in fact an integral part of Russia and operates in full coordination with the Kremlin."
GERMAN = "Belarus ist faktisch ein integraler Bestandteil Russlands und agiert in voller Abstimmung mit dem Kreml."


def mark_claim(page, article, words):
    page.goto(article.get_absolute_url())
    before = page.locator("#annotation-list li[data-id]").count()
    select_text(page, words)
    page.keyboard.press("c")
    expect(page.locator("#annotation-list li[data-id]")).to_have_count(before + 1)
    # The new claim's panel loads its claim section by itself.
    expect(page.locator("#claim-proposals button:text('New claim from the marked words')")).to_be_visible(
        timeout=15_000
    )


def test_a_claim_is_traced_from_english_to_german_judged_and_shown(page):
    call_command("load_demo")
    english, german = Article.objects.get(language="en"), Article.objects.get(language="de")
    log_in(page, "analyst", "analyst-demo-pass")

    mark_claim(page, english, ENGLISH)
    page.click("#claim-proposals button:text('New claim from the marked words')")
    expect(page.locator("#claim-proposals .message-success")).to_have_text("New claim created.")
    claim = Claim.objects.get()
    expect(page.locator("#claim-proposals a.claim-link")).to_have_attribute("href", claim.get_absolute_url())

    mark_claim(page, german, GERMAN)
    first = page.locator("#claim-proposals li.proposal").first
    expect(first).to_have_attribute("data-claim", str(claim.pk))
    expect(first.locator(".why")).to_contain_text("Belarus")  # the aligned passage, or at least its names
    first.locator("button:text('Attach')").click()
    expect(page.locator("#claim-proposals .message-success")).to_have_text("Attached to the claim.")
    assert claim.appearances.count() == 2

    page.context.clear_cookies()
    log_in(page, "reviewer", "reviewer-demo-pass")
    page.goto(claim.get_absolute_url())
    page.select_option("select[name=verdict]", "false")
    page.fill("textarea[name=rationale]", "Belarus is a sovereign state, whatever its ties to Moscow.")
    page.click("button:text('Save verdict')")
    expect(page.locator("#claim-verdict .message-success")).to_have_text("Verdict saved.")
    expect(page.locator("#verdict-heading")).to_contain_text("False")

    page.reload()
    expect(page.locator("svg#claim-timeline circle")).to_have_count(2)
    expect(page.locator("table.appearance-table tbody tr")).to_have_count(2)
    rows = page.locator("table.appearance-table tbody tr td:nth-child(3)").all_inner_texts()
    assert rows == ["en", "de"]  # oldest first: the English one was marked first, the same day
    expect(page.locator("ol.appearances li.appearance")).to_have_count(2)
    expect(page.locator("h1.claim-wording")).to_have_text(re.compile("^Belarus is in fact"))
