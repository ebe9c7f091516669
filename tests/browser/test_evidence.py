"""Evidence in a real browser: on the English sample a claim is marked, a third article is opened
beside it from "Add evidence", a passage selected in it and saved as supporting the claim; the
link shows on both articles and on the claim page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.articles.models import Article
from apps.claims.models import Claim, Evidence
from tests.browser.test_claims import ENGLISH, mark_claim
from tests.conftest import log_in
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = (
    "Inspectors' report on the Union State.\n"
    "The treaty of 1999 binds Minsk to Moscow in defence and in foreign policy.\n"
    "Officials in Minsk deny any loss of sovereignty."
)
PASSAGE = "binds Minsk to Moscow in defence"


def select_in_column(page, needle):
    """Select `needle` in the article opened beside the text with the mouse."""
    box = page.evaluate(
        """(needle) => {
          const root = document.querySelector('#evidence-column .evidence-text');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const index = node.data.indexOf(needle);
            if (index === -1) continue;
            const range = document.createRange();
            range.setStart(node, index);
            range.setEnd(node, index + needle.length);
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
          }
          return null;
        }""",
        needle,
    )
    assert box, f"{needle!r} not found in the column"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_a_passage_of_a_third_article_is_linked_as_evidence_and_shown_everywhere(page):
    call_command("load_demo")
    english = Article.objects.get(language="en")
    report = ArticleFactory(project=english.project, title="Inspectors' report", text=REPORT, language="en")
    log_in(page, "analyst", "analyst-demo-pass")

    mark_claim(page, english, ENGLISH)
    page.click("#claim-proposals button:text('New claim from the marked words')")
    expect(page.locator("#claim-proposals .message-success")).to_have_text("New claim created.")
    claim = Claim.objects.get()

    page.click("#evidence-section summary:text('Add evidence')")
    page.fill("#evidence-section input[name=q]", "Inspectors")
    page.click('#evidence-section button.evidence-open:text("Inspectors\' report")')
    column = page.locator("#evidence-column")
    expect(column.locator("h2")).to_have_text("Inspectors' report")
    expect(page.locator(".workbench.with-evidence-column")).to_have_count(1)
    # The column stands beside the text, not under it.
    text_box = page.locator("#article-text").bounding_box()
    column_box = column.bounding_box()
    assert column_box["x"] >= text_box["x"] + text_box["width"] - 1

    select_in_column(page, PASSAGE)
    expect(column.locator(".evidence-chosen")).to_have_text(PASSAGE)
    column.locator("select[name=relation]").select_option("supports")
    column.locator("button.evidence-save").click()
    expect(page.locator("#evidence-section .message-success")).to_have_text("Evidence saved.")
    expect(page.locator("#evidence-column")).to_be_hidden()
    item = page.locator("#evidence-section li.evidence")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Supports")
    expect(item).to_contain_text("Inspectors' report")
    expect(item).to_contain_text(PASSAGE)
    evidence = Evidence.objects.get()
    assert (evidence.article, evidence.relation, evidence.exact) == (report, "supports", PASSAGE)
    assert REPORT[evidence.start : evidence.end] == PASSAGE

    # B: the passage is painted as evidence, and listed with the claim it supports.
    page.goto(report.get_absolute_url())
    listed = page.locator("#article-evidence li.evidence")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(PASSAGE)
    expect(listed).to_contain_text("supports")
    expect(listed.locator("a")).to_have_text(english.title)
    painted = page.evaluate(
        "() => CSS.highlights.has('evidence') ? [...CSS.highlights.get('evidence')].map(String) : []"
    )
    assert painted == [PASSAGE]

    # The claim page: the passage in its sentence.
    page.goto(claim.get_absolute_url())
    evidence_item = page.locator("section.claim-evidence li.evidence")
    expect(evidence_item).to_have_count(1)
    expect(evidence_item.locator("strong.passage")).to_have_text(PASSAGE)
    expect(evidence_item.locator("blockquote")).to_contain_text("The treaty of 1999 binds Minsk")
    expect(evidence_item.locator("a.evidence-link")).to_have_text("Inspectors' report")
