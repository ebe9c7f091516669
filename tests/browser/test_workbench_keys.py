"""The workbench from the keyboard: a new annotation opens at once, with the focus in its panel."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation, AnnotationHistory
from apps.projects.models import Membership
from tests.browser.test_workbench import select_text
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The minister said the bridge reopens in 2025. Critics doubt it.\nA second paragraph follows."


@pytest.fixture
def article(db):
    user = UserFactory(username="ana")
    project = MembershipFactory(user=user, role=Membership.Role.ANALYST).project
    return ArticleFactory(project=project, text=TEXT)


@pytest.mark.parametrize("how", ["key", "button"])
def test_a_new_annotation_opens_in_the_panel_with_the_focus_in_it(page, article, how):
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    select_text(page, "the bridge reopens")
    if how == "key":
        page.keyboard.press("q")
    else:
        page.click("#selection-toolbar button[data-kind=quote]")
    panel = page.locator("#annotation-panel")
    expect(panel.locator("form.link-form")).to_be_visible()
    annotation = Annotation.objects.get()
    expect(panel).to_have_attribute("data-annotation", str(annotation.pk))
    expect(panel).to_be_focused()
    # The speaker is what comes next: the role is already "said by".
    expect(panel.get_by_label("Role")).to_have_value("said_by")


def history(annotation) -> tuple[list[str], list[str]]:
    """The changes the server recorded for the annotation, oldest first: the workbench's history
    and the database's own (the triggers')."""
    events = list(annotation.events.order_by("at", "id").values_list("action", flat=True))
    rows = list(
        AnnotationHistory.objects.filter(pgh_obj=annotation).order_by("pgh_id").values_list("pgh_label", flat=True)
    )
    return events, rows


def test_shift_arrows_move_either_end_by_a_character_or_a_word_and_a_burst_is_one_change(page, article):
    start = TEXT.index("the bridge")
    annotation = AnnotationFactory(
        article=article, start=start, end=TEXT.index(". Critics"), created_by=article.project.memberships.get().user
    )
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    panel = page.locator("#annotation-panel")
    expect(panel).to_be_focused()

    # One burst: the period after "2025", then a word; the start one character, then a word on.
    for key in ["Shift+ArrowRight", "Control+Shift+ArrowRight", "Alt+Shift+ArrowRight", "Control+Alt+Shift+ArrowRight"]:
        page.keyboard.press(key)
    expected = "bridge reopens in 2025. Critics"
    expect(panel.locator("blockquote")).to_have_text(expected)  # shown at once
    expect(panel).to_have_attribute("data-version", "2", timeout=10_000)
    annotation.refresh_from_db()
    assert (annotation.exact, annotation.start, annotation.end) == (
        expected,
        TEXT.index("bridge"),
        TEXT.index(" doubt"),
    )
    assert history(annotation) == (["updated"], ["created", "changed"])  # four keys, one change

    # The next burst is the next change: back a word, back a character.
    page.keyboard.press("Control+Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    expect(panel).to_have_attribute("data-version", "3", timeout=10_000)
    annotation.refresh_from_db()
    assert annotation.exact == "bridge reopens in 2025"
    assert history(annotation) == (["updated", "updated"], ["created", "changed", "changed"])
    expect(panel.locator("ol.history li")).to_have_count(3)  # two updates and the creation
    expect(page.locator(f"mark[data-ids='{annotation.pk}']")).to_have_text(["bridge reopens in 2025"])


def test_a_span_is_made_and_adjusted_from_the_keyboard_alone(page, article):
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    text, panel = page.locator("#article-text"), page.locator("#annotation-panel")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")  # on the workbench, the skip link leads into the text
    expect(text).to_be_focused()
    expect(page.locator("#text-caret")).to_be_visible()

    for _ in range(len("The minister said ")):
        page.keyboard.press("ArrowRight")  # the caret, one character at a time
    page.keyboard.press("Control+Shift+ArrowRight")  # select by words...
    page.keyboard.press("Control+Shift+ArrowRight")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")  # ...and characters: "the bridge re"
    assert page.evaluate("getSelection().toString()") == "the bridge re"
    page.keyboard.press("q")
    expect(panel).to_be_focused()
    annotation = Annotation.objects.get()
    assert (annotation.kind, annotation.exact) == ("quote", "the bridge reopens")  # grown to whole words

    # From the panel, one burst: two words on, then the period.
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    expect(panel).to_have_attribute("data-version", "2", timeout=10_000)
    annotation.refresh_from_db()
    assert annotation.exact == "the bridge reopens in 2025."
    assert history(annotation) == (["updated"], ["created", "changed"])  # three keys, one change
    expect(panel.locator("ol.history li")).to_have_count(2)  # "Updated by ana", "Created by ana"

    # Back to the text (the caret after the annotation), and Enter opens the annotation there.
    page.keyboard.press("Escape")
    expect(text).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel).to_be_focused()
    expect(panel).to_have_attribute("data-annotation", str(annotation.pk))
    page.keyboard.press("s")  # the speaker is next
    expect(page.get_by_label("Find a source")).to_be_focused()


def test_the_skip_link_is_the_first_stop_and_shows_only_then(page, article):
    log_in(page, "ana")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["width"] <= 1  # hidden until it has the focus
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["width"] > 40 and box["height"] > 10 and box["y"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # on into the page's content, past the header
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_in_right_to_left_text_the_arrows_point_on_the_screen(page, article):
    text = "پاکستان اور بیلاروس نے فوجی تعاون کے معاہدے پر دستخط کیے۔"
    urdu = ArticleFactory(project=article.project, text=text, language="ur")
    start = text.index("فوجی")
    annotation = AnnotationFactory(
        article=urdu, start=start, end=start + len("فوجی"), created_by=article.project.memberships.get().user
    )
    log_in(page, "ana")
    page.goto(urdu.get_absolute_url())
    page.click(f"mark[data-ids='{annotation.pk}']")
    expect(page.locator("#annotation-panel")).to_be_focused()
    page.keyboard.press("Control+Shift+ArrowLeft")  # leftwards is onwards in Urdu: the end, a word on
    expect(page.locator("#annotation-panel")).to_have_attribute("data-version", "2", timeout=10_000)
    annotation.refresh_from_db()
    assert annotation.exact == "فوجی تعاون"
