"""Finding a source in the workbench's side panel, with the keyboard."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Link
from apps.projects.models import Membership
from apps.sources.models import Source
from tests.browser.test_workbench import open_annotation
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def panel(page, db):
    """An analyst's page with one of their annotations open, in a project with some sources."""
    user = UserFactory(username="ana")
    project = MembershipFactory(user=user, role=Membership.Role.ANALYST).project
    for name in ["Arkady Mil-Man", "Milan Kundera", "Mordechai Kedar", "Alexander Lukashenko"]:
        SourceFactory(project=project, name=name)
    SourceFactory(project=project, name="Süddeutsche Zeitung", kind=Source.Kind.OUTLET)
    SourceFactory(project=project, name="Mil", kind=Source.Kind.ORGANISATION)
    SourceFactory(project=ArticleFactory().project, name="Mil-Man")  # another project's
    article = ArticleFactory(project=project, text="Alpha beta gamma delta.")
    annotation = AnnotationFactory(article=article, start=0, end=5, created_by=user)
    log_in(page, "ana")
    open_annotation(page, article, annotation)
    return annotation


def search_box(page):
    return page.get_by_label("Find a source")


def listbox(page):
    return page.get_by_role("listbox", name="Matching sources")


def matches(page):
    return listbox(page).locator("option")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("milman", ["Arkady Mil-Man (Person)"]),
        ("Moredcahi", ["Mordechai Kedar (Person)"]),
        ("sueddeutsche", ["Süddeutsche Zeitung (Outlet)"]),
        ("mil", ["Mil (Organisation)", "Milan Kundera (Person)", "Arkady Mil-Man (Person)"]),
    ],
)
def test_typing_a_name_lists_matching_sources_best_first(page, panel, query, expected):
    search_box(page).fill(query)
    expect(matches(page)).to_have_text(expected)


def test_search_box_says_how_to_reach_the_matches(page, panel):
    box = search_box(page)
    expect(box).to_have_accessible_name("Find a source")
    expect(box).to_have_accessible_description("↓ into the matches, Enter picks one, Esc back to typing.")
    expect(listbox(page)).to_be_visible()


def test_arrow_keys_move_through_the_matches_and_enter_picks_one(page, panel):
    box, results = search_box(page), listbox(page)
    box.click()
    box.press_sequentially("mil")
    expect(matches(page)).to_have_count(3)
    mil, kundera, mil_man = (
        Source.objects.get(name=name, project=panel.article.project)
        for name in ["Mil", "Milan Kundera", "Arkady Mil-Man"]
    )

    page.keyboard.press("ArrowDown")
    expect(results).to_be_focused()
    expect(results).to_have_value(str(mil.pk))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(results).to_have_value(str(mil_man.pk))
    page.keyboard.press("ArrowUp")
    expect(results).to_have_value(str(kundera.pk))

    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    expect(box).to_have_value("Milan Kundera")
    expect(results).to_have_value(str(kundera.pk))
    assert not Link.objects.exists()  # picked, not yet linked

    page.keyboard.press("Enter")  # in the search box: submits the form, as Enter does in a form
    expect(page.locator("#annotation-panel ul.links")).to_contain_text("Milan Kundera")
    assert Link.objects.get().source == kundera


def test_escape_goes_back_to_typing_without_picking(page, panel):
    box, results = search_box(page), listbox(page)
    box.click()
    box.press_sequentially("mil")
    expect(matches(page)).to_have_count(3)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(results).to_be_focused()

    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(box).to_have_value("mil")
    expect(results).to_have_value("")  # the browsing did not choose a source

    page.keyboard.press("ArrowDown")  # and back in, at the first match again
    expect(results).to_be_focused()
    page.keyboard.press("ArrowUp")  # above the first match is the search box
    expect(box).to_be_focused()


def new_source_name(page):
    return page.locator("#annotation-panel input[name=new_source_name]")


def test_without_matches_arrow_down_and_enter_create_the_typed_name(page, panel):
    box, results = search_box(page), listbox(page)
    box.click()
    box.press_sequentially("Zofia Nowak")
    expect(matches(page)).to_have_text(["Create new source “Zofia Nowak” (no match)"])
    expect(new_source_name(page)).to_have_value("Zofia Nowak")  # carried into "create a new source"

    page.keyboard.press("ArrowDown")
    expect(results).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#annotation-panel ul.links")).to_contain_text("Zofia Nowak")
    expect(search_box(page)).to_be_focused()  # ready for the next source
    expect(search_box(page)).to_have_value("")
    link = Link.objects.get()
    assert (link.annotation, link.source.name, link.source.kind, link.role) == (
        panel,
        "Zofia Nowak",
        "person",
        "claimant",
    )
    assert link.source.project == panel.article.project


def test_enter_in_the_search_box_without_matches_creates_the_typed_name(page, panel):
    box = search_box(page)
    box.click()
    box.press_sequentially("Zofia Nowak")
    expect(matches(page)).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#annotation-panel ul.links")).to_contain_text("Zofia Nowak")
    assert Link.objects.get().source.name == "Zofia Nowak"


def test_enter_among_unpicked_matches_goes_into_them_and_creates_nothing(page, panel):
    box, results = search_box(page), listbox(page)
    box.click()
    box.press_sequentially("mil")
    expect(matches(page)).to_have_count(3)
    page.keyboard.press("Enter")
    expect(results).to_be_focused()
    assert not Link.objects.exists()
    assert not Source.objects.filter(name="mil").exists()


def test_a_name_typed_into_create_a_new_source_stays(page, panel):
    new_source_name(page).fill("Zofia Nowak-Kowalska")
    search_box(page).press_sequentially("Zofia")
    expect(matches(page)).to_have_count(1)
    expect(new_source_name(page)).to_have_value("Zofia Nowak-Kowalska")
