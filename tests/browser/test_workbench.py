"""Real-browser tests: Playwright driving Debian's chromium against a live server."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def select_text(page, needle: str, occurrence: int = 0):
    """Select `needle` inside the article text with the mouse: press at its start, drag to its end."""
    box = page.evaluate(
        """([needle, occurrence]) => {
          const root = document.getElementById('article-text');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let seen = 0, node;
          // Search the rendered text node by node (a needle may not cross highlight boundaries here).
          while ((node = walker.nextNode())) {
            let index = node.data.indexOf(needle);
            while (index !== -1) {
              if (seen === occurrence) {
                const range = document.createRange();
                range.setStart(node, index);
                range.setEnd(node, index + needle.length);
                const rects = range.getClientRects();
                const first = rects[0], last = rects[rects.length - 1];
                return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
              }
              seen++;
              index = node.data.indexOf(needle, index + 1);
            }
          }
          return null;
        }""",
        [needle, occurrence],
    )
    assert box, f"{needle!r} not found in the article text"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def open_annotation(page, article, annotation):
    """Go to the article and open the annotation's panel by clicking its highlight."""
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    page.wait_for_selector("#annotation-panel form.edit-form")


def wait_for_count(page, count):
    # Locator waits, not wait_for_function: the page's CSP forbids the eval that one needs.
    expect(page.locator("#annotation-list li[data-id]")).to_have_count(count)


def test_demo_analyst_logs_in_and_sees_both_sample_articles(page):
    call_command("load_demo")
    log_in(page, "analyst", "analyst-demo-pass")
    titles = page.locator("table.articles td a").all_inner_texts()
    assert any(t.startswith("Tel Aviv: The military cooperation agreement") for t in titles)
    assert any(t.startswith("Vor kurzem wurde ein militärisches Kooperationsabkommen") for t in titles)


@pytest.fixture
def demo(db):
    call_command("load_demo")
    return {
        "en": Article.objects.get(language="en"),
        "de": Article.objects.get(language="de"),
    }


@pytest.mark.parametrize(
    ("language", "needle", "expected", "key"),
    [
        ("en", "senior researcher and the Head", "a senior researcher and the Head", None),
        ("en", "Mil-Man said that the West", "Mil-Man said that the West", "q"),
        ("de", "Kooperationsabkommen zwischen Belarus", "Kooperationsabkommen zwischen Belarus", "f"),
    ],
)
def test_marking_sample_articles_with_buttons_and_keys(page, demo, language, needle, expected, key):
    article = demo[language]
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(article.get_absolute_url())
    # Start the selection one letter into the first word: it snaps to the whole word.
    select_text(page, needle[1:] if key is None else needle)
    if key is None:
        page.click("#selection-toolbar button[data-kind=claim]")
        kind = "claim"
    else:
        page.keyboard.press(key)
        kind = {"q": "quote", "f": "fact"}[key]
    wait_for_count(page, 1)
    annotation = Annotation.objects.get()
    if key is None:
        expected = needle  # "enior…" grew back to "senior…"
    assert (annotation.kind, annotation.exact) == (kind, expected)
    assert article.text[annotation.start : annotation.end] == expected
    page.reload()
    assert page.locator(f"mark.hl-{kind}").first.inner_text() in expected
    highlighted = "".join(page.locator(f"mark[data-ids='{annotation.pk}']").all_inner_texts())
    assert highlighted == expected


EMOJI_ARTICLE = "Flood 🌍🔥 warning 👨‍👩‍👧 issued.\nThe mayor said “evacuate the river bank now” at noon."
URDU_ARTICLE = "پاکستان اور بیلاروس نے فوجی تعاون کے معاہدے پر دستخط کیے۔\nوزیر دفاع نے کہا کہ یہ معاہدہ اہم ہے۔"


@pytest.fixture
def analyst_in_project(db):
    user = UserFactory(username="ana")
    membership = MembershipFactory(user=user, role=Membership.Role.ANALYST)
    return user, membership.project


def test_selection_after_emoji_lands_on_the_same_code_points(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=EMOJI_ARTICLE)
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    select_text(page, "evacuate the river")
    page.keyboard.press("q")
    wait_for_count(page, 1)
    annotation = Annotation.objects.get()
    assert annotation.exact == "evacuate the river"
    assert annotation.start == EMOJI_ARTICLE.index("evacuate")


def test_urdu_article_is_right_to_left_and_selectable(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=URDU_ARTICLE, language="ur")
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    assert page.locator("article.reader").get_attribute("dir") == "rtl"
    select_text(page, "فوجی تعاون")
    page.keyboard.press("c")
    wait_for_count(page, 1)
    annotation = Annotation.objects.get()
    assert annotation.exact == "فوجی تعاون"
    assert URDU_ARTICLE[annotation.start : annotation.end] == "فوجی تعاون"


def test_overlapping_selection_and_offsets_independent_of_highlights(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=EMOJI_ARTICLE)
    outer = AnnotationFactory(
        article=article, start=EMOJI_ARTICLE.index("The mayor"), end=EMOJI_ARTICLE.index(" at noon"), created_by=user
    )
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    select_text(page, "river bank")  # inside the existing claim
    page.keyboard.press("q")
    wait_for_count(page, 2)
    inner = Annotation.objects.exclude(pk=outer.pk).get()
    assert inner.exact == "river bank"
    assert inner.start == EMOJI_ARTICLE.index("river bank")
    page.reload()
    both = page.locator("mark.hl-claim.hl-quote")
    assert both.first.inner_text() == "river bank"


def test_edit_delete_and_undo(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=EMOJI_ARTICLE)
    annotation = AnnotationFactory(article=article, start=0, end=5, created_by=user)
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    page.fill("#annotation-panel textarea[name=note]", "Check the <b>mayor</b>'s office")
    page.click("#annotation-panel button[type=submit]")
    page.wait_for_selector("#annotation-panel .message-success")
    page.click("#annotation-panel button:text('Submit for review')")
    page.wait_for_selector("#annotation-panel .message-success:text('Submitted for review.')")
    annotation.refresh_from_db()
    assert (annotation.note, annotation.status, annotation.version) == (
        "Check the <b>mayor</b>'s office",
        "submitted",
        3,
    )
    assert page.locator("#annotation-panel .status").inner_text() == "Submitted"
    # An analyst is offered no decision on it, not even on their own.
    assert page.locator("#annotation-panel form.review-form").count() == 0

    page.click("#annotation-panel button.danger")
    page.wait_for_selector("[data-deleted] button.undo")
    assert page.locator(f"mark[data-ids='{annotation.pk}']").count() == 0
    annotation.refresh_from_db()
    assert annotation.deleted_at is not None
    page.click("[data-deleted] button.undo")
    page.wait_for_selector(f"mark[data-ids='{annotation.pk}']")
    annotation.refresh_from_db()
    assert annotation.deleted_at is None


def test_shift_arrow_moves_the_end_of_a_highlight(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text="Alpha beta gamma delta.")
    annotation = AnnotationFactory(article=article, start=0, end=5, created_by=user)
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+Shift+ArrowRight")  # by a word
    expect(page.locator("#annotation-panel")).to_have_attribute("data-end", "10")
    annotation.refresh_from_db()
    assert annotation.exact == "Alpha beta"


def word_centre(page, needle: str) -> dict:
    return page.evaluate(
        """(needle) => {
          const walker = document.createTreeWalker(document.getElementById('article-text'), NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode())) {
            const index = node.data.indexOf(needle);
            if (index === -1) continue;
            const range = document.createRange();
            range.setStart(node, index);
            range.setEnd(node, index + needle.length);
            const rect = range.getBoundingClientRect();
            return {x: rect.left + rect.width / 2, y: rect.top + rect.height / 2};
          }
          return null;
        }""",
        needle,
    )


def drag(page, selector: str, to: dict):
    handle = page.locator(selector)
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(to["x"], to["y"], steps=8)
    page.mouse.up()


def test_dragging_the_handles_moves_both_ends_of_a_highlight(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text="Alpha beta gamma delta.\nNext line 🌍 with epsilon.")
    annotation = AnnotationFactory(article=article, start=0, end=5, created_by=user)
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    drag(page, "#handle-end", word_centre(page, "epsilon"))  # into the next line, past an emoji
    expect(page.locator("#annotation-panel")).to_have_attribute("data-end", str(article.text.index("epsilon") + 7))
    drag(page, "#handle-start", word_centre(page, "gamma"))
    expect(page.locator("#annotation-panel")).to_have_attribute("data-start", "11")
    annotation.refresh_from_db()
    assert annotation.exact == "gamma delta.\nNext line 🌍 with epsilon"
    assert annotation.version == 3
    page.reload()
    assert "".join(page.locator(f"mark[data-ids='{annotation.pk}']").all_inner_texts()).startswith("gamma delta.")


def test_concurrent_edit_is_refused_with_both_versions(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=EMOJI_ARTICLE)
    annotation = AnnotationFactory(article=article, start=0, end=5, created_by=user)
    reviewer = UserFactory(username="rev")
    MembershipFactory(user=reviewer, project=project, role=Membership.Role.REVIEWER)
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    # Meanwhile the reviewer saves a change.
    Annotation.objects.filter(pk=annotation.pk).update(note="Reviewer's note", version=2, updated_by=reviewer)
    page.fill("#annotation-panel textarea[name=note]", "My note")
    page.click("#annotation-panel button[type=submit]")
    conflict = page.locator("#annotation-panel .conflict")
    conflict.wait_for()
    assert "Changed by rev meanwhile" in conflict.inner_text()
    assert "My note" in conflict.inner_text() and "Reviewer's note" in conflict.inner_text()
    annotation.refresh_from_db()
    assert annotation.note == "Reviewer's note"


def test_analyst_cannot_edit_another_analysts_annotation(page, analyst_in_project):
    user, project = analyst_in_project
    article = ArticleFactory(project=project, text=EMOJI_ARTICLE)
    theirs = AnnotationFactory(article=article, start=0, end=5, created_by=UserFactory(username="someone"))
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{theirs.pk}']")
    page.wait_for_selector("#annotation-panel .hint")
    assert page.locator("#annotation-panel form.edit-form").count() == 0
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', headers: {'X-CSRFToken': JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken']}, body: new URLSearchParams({version: 1, kind: 'fact', status: 'draft'})})).status""",
        f"/annotations/{theirs.pk}/edit/",
    )
    assert status == 403


def test_user_of_another_project_gets_404(page, analyst_in_project):
    _, project = analyst_in_project
    article = ArticleFactory(text=EMOJI_ARTICLE)  # another project
    log_in(page, "ana")
    response = page.goto(article.get_absolute_url())
    assert response.status == 404
    assert re.search("Flood", page.content()) is None
