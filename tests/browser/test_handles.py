"""The drag handles of the open highlight stand beside its text, never over it."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.browser.test_workbench import drag, open_annotation, word_centre
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The boxes on screen of the handles, of the highlight's first and last characters, of its kind
# label and of the characters just outside it.
BOXES = """(id) => {
  const box = (rect) => ({left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom});
  const marks = [...document.querySelectorAll('mark[data-ids]')].filter((m) => m.dataset.ids.split(' ').includes(String(id)));
  const texts = (node) => { const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT); const all = []; while (walker.nextNode()) all.push(walker.currentNode); return all; };
  const charBox = (node, index) => { const range = document.createRange(); const length = node.data.codePointAt(index) > 0xffff ? 2 : 1; range.setStart(node, index); range.setEnd(node, index + length); return box(range.getBoundingClientRect()); };
  const firstText = texts(marks[0])[0];
  const lastText = texts(marks[marks.length - 1]).pop();
  const label = document.querySelector(`.hl-label[data-label-for="${id}"]`);
  const before = label.previousSibling, after = marks[marks.length - 1].nextSibling;
  const outside = (node, atEnd) => (node && node.nodeType === Node.TEXT_NODE ? charBox(node, atEnd ? node.length - 1 : 0) : null);
  return {
    handleStart: box(document.getElementById('handle-start').getBoundingClientRect()),
    handleEnd: box(document.getElementById('handle-end').getBoundingClientRect()),
    first: charBox(firstText, 0),
    last: charBox(lastText, lastText.length - 1),
    label: box(label.getBoundingClientRect()),
    before: outside(before, true),
    after: outside(after, false),
  };
}"""

COVERING = """([x, y]) => document.elementFromPoint(x, y).closest('.drag-handle') !== null"""


def intersect(a, b):
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def centre(box):
    return [(box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2]


@pytest.fixture
def analyst_and_project(db):
    user = UserFactory(username="ana")
    return user, MembershipFactory(user=user, role=Membership.Role.ANALYST).project


@pytest.mark.parametrize(
    ("text", "language", "span"),
    [
        ("Alpha beta gamma, delta epsilon.", "en", "beta gamma"),
        ("پاکستان اور بیلاروس نے فوجی تعاون کے معاہدے پر دستخط کیے۔", "ur", "فوجی تعاون"),
    ],
)
def test_handles_cover_no_letter_and_no_kind_label(page, analyst_and_project, text, language, span):
    user, project = analyst_and_project
    article = ArticleFactory(project=project, text=text, language=language)
    start = text.index(span)
    annotation = AnnotationFactory(article=article, start=start, end=start + len(span), created_by=user)
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    expect(page.locator("#handle-end")).to_be_visible()

    boxes = page.evaluate(BOXES, annotation.pk)
    for handle in ("handleStart", "handleEnd"):
        for other in ("first", "last", "label", "before", "after"):
            assert boxes[other] is not None
            assert not intersect(boxes[handle], boxes[other]), f"{handle} covers {other}: {boxes}"
    # Each stands beside its end: the start between the kind label and the first letter...
    assert (
        sorted([centre(boxes["label"])[0], centre(boxes["handleStart"])[0], centre(boxes["first"])[0]])[1]
        == (centre(boxes["handleStart"])[0])
    )
    # ...the end between the last letter and the next character, on their line.
    assert (
        sorted([centre(boxes["last"])[0], centre(boxes["handleEnd"])[0], centre(boxes["after"])[0]])[1]
        == (centre(boxes["handleEnd"])[0])
    )
    assert boxes["handleEnd"]["top"] <= centre(boxes["last"])[1] <= boxes["handleEnd"]["bottom"]
    # What is under the pointer at the letters and the label is the text, not a handle.
    for other in ("first", "last", "label"):
        assert not page.evaluate(COVERING, centre(boxes[other])), f"a handle is on top of {other}"


def test_handles_beside_the_text_still_drag_both_ends(page, analyst_and_project):
    user, project = analyst_and_project
    text = "Alpha beta gamma, delta epsilon."
    article = ArticleFactory(project=project, text=text)
    annotation = AnnotationFactory(article=article, start=6, end=16, created_by=user)  # "beta gamma"
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    drag(page, "#handle-end", word_centre(page, "delta"))
    expect(page.locator("#annotation-panel")).to_have_attribute("data-end", str(text.index("delta") + 5))
    drag(page, "#handle-start", word_centre(page, "Alpha"))
    expect(page.locator("#annotation-panel")).to_have_attribute("data-start", "0")
    annotation = Annotation.objects.get(pk=annotation.pk)
    assert annotation.exact == "Alpha beta gamma, delta"
    # The handles moved with the ends: the start one stands before "Alpha", not over it.
    boxes = page.evaluate(BOXES, annotation.pk)
    for handle in ("handleStart", "handleEnd"):
        assert not any(intersect(boxes[handle], boxes[other]) for other in ("first", "last", "label", "after"))
