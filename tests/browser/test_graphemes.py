"""In the browser, a selection that cuts a character grows to the whole character."""

import pytest

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Flags 🇩🇪🇫🇷 · a family 👨‍👩‍👧 · q̇ here."


def select_utf16(page, start: int, end: int):
    """Select the article text between two UTF-16 positions of its first block, as a drag or
    a keyboard selection may end up, even inside a character."""
    page.evaluate(
        """([start, end]) => {
          const node = document.querySelector('#article-text .block').firstChild;
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, end);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        [start, end],
    )


def utf16(needle: str, then: int = 0) -> int:
    """The DOM's position (in UTF-16 units) of `needle` in the text, plus `then` units."""
    return len(TEXT[: TEXT.index(needle)].encode("utf-16-le")) // 2 + then


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Between the halves of the German flag, to between the halves of the French one.
        (utf16("🇩🇪", 2), utf16("🇫🇷", 2), "🇩🇪🇫🇷"),
        # From after the man to before the woman of the joined family (inside it at both ends).
        (utf16("👨", 2), utf16("👩"), "👨‍👩‍👧"),
        # The letter q without its combining dot.
        (utf16("q̇"), utf16("q̇", 1), "q̇"),
    ],
)
def test_selection_inside_a_character_grows_to_the_whole_character(page, start, end, expected):
    user = UserFactory(username="ana")
    membership = MembershipFactory(user=user, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=membership.project, text=TEXT)
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    select_utf16(page, start, end)
    page.keyboard.press("f")
    page.wait_for_selector("[data-created]")
    assert Annotation.objects.get().exact == expected
