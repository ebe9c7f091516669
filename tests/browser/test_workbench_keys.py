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
