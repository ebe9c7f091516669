"""Find in the text of an article: matches ignore case, accents and punctuation, Enter steps
through them, and the current one becomes a selection that c, q or f marks."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The painted matches, read back from the page: the others', then the current one's text.
MATCHES = """() => {
  const all = CSS.highlights.get('find'), current = CSS.highlights.get('find-current');
  return {
    others: all ? [...all].map((range) => range.toString()) : [],
    current: current ? [...current].map((range) => range.toString()) : [],
    connected: [...(all || []), ...(current || [])].every((range) => range.startContainer.isConnected),
  };
}"""
# The elements and the text the annotation code reads offsets from.
TEXT_STATE = (
    "() => [document.querySelectorAll('#article-text *').length, document.getElementById('article-text').textContent]"
)


@pytest.fixture
def german(db):
    call_command("load_demo")
    return Article.objects.get(language="de")


@pytest.fixture
def ana(db):
    user = UserFactory(username="ana")
    return MembershipFactory(user=user, role=Membership.Role.ANALYST).project


def matches(page):
    return page.evaluate(MATCHES)


def test_find_steps_through_the_matches_and_the_current_one_becomes_a_quote(page, german):
    text = german.text
    count = text.count("Mil-Man")
    assert count >= 2
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(german.get_absolute_url())
    before = page.evaluate(TEXT_STATE)
    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    expect(find).to_be_hidden()

    page.locator("#article-text").focus()
    page.keyboard.press("Control+f")
    expect(find).to_be_focused()
    find.fill("Mil-Man")
    expect(status).to_have_text(f"1 of {count}")
    assert matches(page)["current"] == ["Mil-Man"]
    assert len(matches(page)["others"]) == count - 1
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"2 of {count}")
    page.keyboard.press("Shift+Enter")
    expect(status).to_have_text(f"1 of {count}")
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"2 of {count}")
    assert page.evaluate(TEXT_STATE) == before  # painted over the text, not into it

    page.keyboard.press("Control+Enter")
    expect(page.locator("#article-text")).to_be_focused()
    expect(page.locator("#selection-toolbar")).to_be_visible()
    assert page.evaluate("getSelection().toString()") == "Mil-Man"
    page.keyboard.press("q")
    expect(page.locator("#annotation-panel")).to_be_focused()
    annotation = Annotation.objects.get()
    second = text.index("Mil-Man", text.index("Mil-Man") + 1)
    assert (annotation.kind, annotation.exact, annotation.start, annotation.end) == (
        "quote",
        "Mil-Man",
        second,
        second + len("Mil-Man"),
    )

    # The blocks were rendered again with the new highlight; the matches are on the new ones.
    expect(page.locator(f"mark[data-ids='{annotation.pk}']")).to_have_text("Mil-Man")
    expect(status).to_have_text(f"2 of {count}")
    assert matches(page)["connected"]
    page.keyboard.press("/")  # from the panel, back to the box
    expect(find).to_be_focused()
    page.keyboard.press("Enter")
    expect(status).to_have_text(f"{3 if count > 2 else 1} of {count}")
    assert matches(page)["current"] == ["Mil-Man"]

    page.keyboard.press("Escape")
    expect(find).to_be_hidden()
    expect(page.locator("#article-text")).to_be_focused()
    assert matches(page) == {"others": [], "current": [], "connected": True}


def test_case_accents_and_punctuation_are_ignored(page, german):
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(german.get_absolute_url())
    page.keyboard.press("/")
    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    expect(find).to_be_focused()
    find.fill("milman")
    expect(status).to_have_text(f"1 of {german.text.count('Mil-Man')}")
    assert matches(page)["current"] == ["Mil-Man"]
    find.fill("MILITÄRISCHE")
    expect(status).to_contain_text(" of ")
    assert matches(page)["current"][0].lower().startswith("militärische")
    # Inside longer words too ("Kooperationsabkommen"), counted from the current match on.
    find.fill("Abkommen")
    expect(status).to_have_text(re.compile(rf"\d+ of {german.text.lower().count('abkommen')}"))


def test_a_match_is_found_and_marked_by_code_points_whatever_the_spelling(page, ana):
    # A flag (two code points, four UTF-16 units) first, then a letter with a combining accent.
    text = "🇩🇪 Bericht: Der Pra\u0308sident sagte, der ÄRGER über die Straße in Łódź sei groß."
    article = ArticleFactory(project=ana, text=text, language="de")
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.keyboard.press("/")
    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    for query, expected in [
        ("ärger", "ÄRGER"),
        ("STRASSE", "Straße"),
        ("lodz", "Łódź"),
        ("präsident", "Pra\u0308sident"),
    ]:
        find.fill(query)
        expect(status).to_have_text("1 of 1")
        assert matches(page)["current"] == [expected]
    page.keyboard.press("Control+Enter")
    page.keyboard.press("f")
    expect(page.locator("#annotation-panel")).to_be_focused()
    annotation = Annotation.objects.get()
    start = text.index("Pra")
    assert (annotation.kind, annotation.exact, annotation.start, annotation.end) == (
        "fact",
        "Pra\u0308sident",
        start,
        start + len("Pra\u0308sident"),
    )


ARABIC = "وقّعت باكستان وبيلاروس اتفاقية للتعاون العسكري في مينسك.\nوقال الوزير إن الإتفاقية تشمل التدريب والصناعة."


def test_in_right_to_left_text_matches_are_painted_and_selected(page, ana):
    article = ArticleFactory(project=ana, text=ARABIC, language="ar")
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    expect(page.locator("article.reader")).to_have_attribute("dir", "rtl")
    page.locator("#article-text").focus()
    page.keyboard.press("/")
    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    find.fill("الاتفاقية")  # without the hamza that the second line writes
    expect(status).to_have_text("1 of 1")
    assert matches(page)["current"] == ["الإتفاقية"]
    find.fill("وقعت")  # without the shadda
    expect(status).to_have_text("1 of 1")
    assert matches(page)["current"] == ["وقّعت"]
    find.fill("اتفاقية")
    expect(status).to_have_text("1 of 2")
    page.keyboard.press("Enter")
    expect(status).to_have_text("2 of 2")
    assert matches(page) == {"others": ["اتفاقية"], "current": ["إتفاقية"], "connected": True}
    # The current match is painted on the text's second line, inside the text's box.
    box = page.evaluate(
        """() => {
          const range = [...CSS.highlights.get('find-current')][0];
          const rect = range.getBoundingClientRect(), text = document.getElementById('article-text').getBoundingClientRect();
          const line = document.querySelectorAll('#article-text .block')[1].getBoundingClientRect();
          return rect.width > 0 && rect.left >= text.left && rect.right <= text.right && rect.top >= line.top;
        }"""
    )
    assert box

    page.keyboard.press("Control+Enter")
    expect(page.locator("#selection-toolbar")).to_be_visible()
    page.locator("#selection-toolbar button[data-kind=claim]").click()
    expect(page.locator("#annotation-panel")).to_be_focused()
    annotation = Annotation.objects.get()
    start = ARABIC.index("الإتفاقية")  # the word, grown from the match as a mouse selection grows
    assert (annotation.kind, annotation.exact, annotation.start, annotation.end) == (
        "claim",
        "الإتفاقية",
        start,
        start + len("الإتفاقية"),
    )


def test_no_match_says_so_and_paints_nothing(page, german):
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(german.get_absolute_url())
    page.get_by_role("button", name="Find in the text").click()
    find, status = page.get_by_role("searchbox", name="Find in the text"), page.locator("#find-status")
    expect(find).to_be_focused()
    find.fill("Lukashenko")  # the German text spells it Lukaschenko
    expect(status).to_have_text("No matches")
    expect(page.get_by_role("button", name="Next match")).to_be_disabled()
    assert matches(page)["others"] == [] and matches(page)["current"] == []
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(find).to_be_focused()
    expect(page.locator("#selection-toolbar")).to_be_hidden()
    find.fill("")
    expect(status).to_have_text("")


def test_ctrl_f_in_the_box_is_the_browsers_own(page, german):
    log_in(page, "analyst", "analyst-demo-pass")
    page.goto(german.get_absolute_url())
    # Listeners on window run after the page's own: they see whether the page kept the key.
    page.evaluate("window.addEventListener('keydown', (e) => { window.keptByPage = e.defaultPrevented; })")
    page.locator("#article-text").focus()
    page.keyboard.press("Control+f")
    find = page.get_by_role("searchbox", name="Find in the text")
    expect(find).to_be_focused()
    assert page.evaluate("window.keptByPage") is True
    page.keyboard.press("Control+f")
    assert page.evaluate("window.keptByPage") is False
    expect(find).to_be_focused()
    # Typed into the box, "/" is a character like any other.
    page.keyboard.type("2025/")
    expect(find).to_have_value("2025/")
    page.keyboard.press("Escape")
    page.keyboard.press("?")  # the key help says so
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text(
        "in the find box: the browser's own find"
    )
