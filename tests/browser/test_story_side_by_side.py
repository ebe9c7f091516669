"""A story's page in a real browser: two texts side by side, annotated in either column."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.projects.models import Membership
from apps.stories.services import gather_story
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def select_in_column(page, side: str, needle: str):
    """Select `needle` in one column of the story with the mouse: press at its start, drag to its end."""
    box = page.evaluate(
        """([side, needle]) => {
          const root = document.getElementById(`story-column-${side}`);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const index = node.data.indexOf(needle);
            if (index === -1) continue;
            const range = document.createRange();
            range.setStart(node, index);
            range.setEnd(node, index + needle.length);
            range.startContainer.parentElement.scrollIntoView({block: "center"});
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
          }
          return null;
        }""",
        [side, needle],
    )
    assert box, f"{needle!r} not found in the {side} column"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


@pytest.fixture
def demo_story(db):
    call_command("load_demo")
    english, german = Article.objects.get(language="en"), Article.objects.get(language="de")
    analyst = Membership.objects.get(user__username="analyst").user
    story = gather_story(articles=[english, german], user=analyst)
    return {"story": story, "en": english, "de": german}


def test_an_annotation_made_in_the_right_column_is_highlighted_there(page, demo_story):
    english, german = demo_story["en"], demo_story["de"]
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(reverse("stories:detail", args=[demo_story["story"].pk]))
    left, right = page.locator("#story-column-left"), page.locator("#story-column-right")
    expect(left).to_have_attribute("data-article", str(english.pk))
    expect(right).to_have_attribute("data-article", str(german.pk))
    # The rows of both columns line up: the first paragraphs start at the same height.
    first_left = left.locator(".story-row").first.bounding_box()
    first_right = right.locator(".story-row").first.bounding_box()
    assert abs(first_left["y"] - first_right["y"]) < 1 and first_right["x"] > first_left["x"] + first_left["width"]
    assert abs(first_left["height"] - first_right["height"]) < 1

    needle = "Kooperationsabkommen zwischen Belarus"
    select_in_column(page, "right", needle)
    expect(page.locator("#selection-toolbar")).to_be_visible()
    page.keyboard.press("q")
    # The panel of the new annotation opens, and its highlight shows in the right column only.
    expect(page.locator("#annotation-panel form.edit-form")).to_be_visible()
    annotation = Annotation.objects.get()
    assert (annotation.article_id, annotation.kind, annotation.exact) == (german.pk, "quote", needle)
    assert german.text[annotation.start : annotation.end] == needle
    marks = right.locator(f"mark[data-ids='{annotation.pk}']")
    expect(marks.first).to_be_visible()
    assert "".join(marks.all_inner_texts()) == needle
    expect(left.locator(f"mark[data-ids='{annotation.pk}']")).to_have_count(0)

    # The left column takes annotations of its own article, with the toolbar's button.
    select_in_column(page, "left", "integral part of Russia")
    page.click("#selection-toolbar button[data-kind=claim]")
    expect(left.locator("mark.hl-claim")).to_have_count(1)
    claim = Annotation.objects.get(kind="claim")
    assert (claim.article_id, claim.exact) == (english.pk, "integral part of Russia")
    # Both stay after a reload, each in its own column.
    page.reload()
    expect(right.locator(f"mark[data-ids='{annotation.pk}']").first).to_be_visible()
    expect(left.locator(f"mark[data-ids='{claim.pk}']").first).to_be_visible()


def test_finding_and_marking_with_keys_act_on_the_column_in_use(page, demo_story):
    german = demo_story["de"]
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(reverse("stories:detail", args=[demo_story["story"].pk]))
    right = page.locator("#story-column-right")
    right.locator(".block").first.click()
    page.keyboard.press("/")
    expect(page.locator("#find-input")).to_be_focused()
    # Only the German column's two, not the English one's as well.
    page.keyboard.type("minsk")
    expect(page.locator("#find-status")).to_have_text("1 of 2")
    page.locator("#find-input").fill("lukaschenkos")
    expect(page.locator("#find-status")).to_have_text("1 of 1")
    page.keyboard.press("Control+Enter")
    page.keyboard.press("f")
    expect(right.locator("mark.hl-fact")).to_have_count(1)
    fact = Annotation.objects.get()
    assert (fact.article_id, fact.kind, fact.exact) == (german.pk, "fact", "Lukaschenkos")
    assert german.text[fact.start : fact.end] == "Lukaschenkos"


def test_a_member_renames_the_story_on_its_page(page, demo_story):
    story = demo_story["story"]
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(reverse("stories:detail", args=[story.pk]))
    page.fill("#story-name input[name=name]", "Belarus–Pakistan <b>agreement</b>")
    page.click("#story-name button")
    expect(page.locator("#story-name h1")).to_have_text("Belarus–Pakistan <b>agreement</b>")
    expect(page.locator("#story-name .message-success")).to_be_visible()
    story.refresh_from_db()
    assert story.title == "Belarus–Pakistan <b>agreement</b>"
    page.click("nav >> text=Stories")
    expect(page.locator("table.stories td a").first).to_have_text("Belarus–Pakistan <b>agreement</b>")
