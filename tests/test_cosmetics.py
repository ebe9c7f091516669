"""What a new user saw out of place, as the pages' HTML says it (the layout is measured in
tests/browser/test_cosmetics.py)."""

import re

import html5lib
import pytest

from apps.annotations.models import Annotation, AnnotationEvent, Link
from apps.annotations.services import Decision, review_annotation
from apps.projects.models import Membership
from apps.sources.models import Source
from tests.conftest import client_for, member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory

pytestmark = pytest.mark.django_db


def parse(response):
    assert response.status_code == 200, response.content[:500]
    return html5lib.parse(response.content.decode(), treebuilder="etree", namespaceHTMLElements=False)


def texts(tree, path) -> list[str]:
    return [" ".join("".join(element.itertext()).split()) for element in tree.iterfind(path)]


def crumbs(response) -> list[str]:
    return texts(parse(response), ".//ol[@class='breadcrumbs']/li")


@pytest.fixture
def manager_client(client, project):
    return client_for(client, member(project, Membership.Role.MANAGER, "manager1"))


def test_admin_breadcrumbs_do_not_repeat_the_app_where_it_holds_one_model_of_its_name(manager_client, project):
    annotation = AnnotationFactory(article=ArticleFactory(project=project, text="The mayor spoke."), end=9)
    assert crumbs(manager_client.get("/admin/projects/project/")) == ["Home", "Projects"]
    assert crumbs(manager_client.get(f"/admin/projects/project/{project.pk}/change/")) == [
        "Home",
        "Projects",
        project.name,
    ]
    assert crumbs(manager_client.get(f"/admin/projects/project/{project.pk}/history/")) == [
        "Home",
        "Projects",
        project.name,
        "History",
    ]
    assert crumbs(manager_client.get(f"/admin/annotations/annotation/{annotation.pk}/change/")) == [
        "Home",
        "Annotations",
        "Claim: “The mayor”",
    ]
    # An app named otherwise than its model keeps its crumb.
    assert crumbs(manager_client.get("/admin/projects/invitation/")) == ["Home", "Projects", "Invitations"]


def test_the_review_desk_uses_the_admins_breadcrumbs(manager_client, project):
    article = ArticleFactory(project=project)
    assert crumbs(manager_client.get("/admin/review/")) == ["Home", "Review desk"]
    assert crumbs(manager_client.get(f"/admin/review/project/{project.pk}/dashboard/")) == [
        "Home",
        "Review desk",
        project.name,
        "Dashboard",
    ]
    tree = parse(manager_client.get(f"/admin/review/article/{article.pk}/curation/"))
    assert texts(tree, ".//ol[@class='breadcrumbs']/li") == [
        "Home",
        "Review desk",
        project.name,
        "Agreement",
        "Curation",
    ]
    # The last crumb is the page itself, without the separator the admin draws after the others.
    assert [li.get("aria-current") for li in tree.iterfind(".//ol[@class='breadcrumbs']/li")][-2:] == [None, "page"]


def test_roles_kinds_and_actions_are_labelled_in_one_style():
    """Capitalised, as Django labels the choices it names itself ("Claimant" beside "Said by")."""
    for choices in (Link.Role, Source.Kind, Annotation.Kind, Annotation.Status, AnnotationEvent.Action):
        for label in choices.labels:
            assert label[0].isupper(), f"{choices.__name__}: {label!r}"


def test_the_panel_lists_a_speaker_and_a_claimant_alike(analyst_client, analyst, article):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    LinkFactory(annotation=annotation, role=Link.Role.SAID_BY, source__name="Arkady", source__kind=Source.Kind.PERSON)
    LinkFactory(annotation=annotation, role=Link.Role.CLAIMANT, source__name="INSS", source__kind=Source.Kind.REPORT)
    tree = parse(analyst_client.get(f"/annotations/{annotation.pk}/"))
    links = texts(tree, ".//ul[@class='links']/li")
    assert sorted(link.removesuffix(" Remove") for link in links) == [
        "Claimant: INSS (Report or document)",
        "Said by: Arkady (Person)",
    ]


ENGLISH = (
    "Tel Aviv: the agreement raises concerns.\n“This agreement should raise heavy concerns in the West. Belarus is in "
    "fact an integral part of Russia and operates in full coordination with the Kremlin. The new agreement may "
    "expand to other issues.”\nThat is all."
)
GERMAN = "Berlin.\n„Dieses Abkommen sollte im Westen große Sorgen auslösen“, sagte er.\nMehr nicht."


def span(article, words: str, **fields):
    start = article.text.index(words)
    return AnnotationFactory(article=article, start=start, end=start + len(words), kind="quote", **fields)


def listed_passages(page: str) -> list[str]:
    """Passages shown in quotation marks: from an opening mark to the closing one or the cut."""
    return re.findall(r"[“„][^”“<]*[”“…]", page)


def test_lists_show_a_passage_in_one_pair_of_quotation_marks_cut_at_a_word(
    client, project, analyst, other_analyst, reviewer
):
    english = ArticleFactory(project=project, text=ENGLISH)
    german = ArticleFactory(project=project, text=GERMAN, language="de")
    long = ENGLISH.split("\n")[1]
    mine = span(english, long, created_by=analyst, status="submitted")
    span(english, long[1:-1], created_by=other_analyst, status="submitted")
    german_quote = span(german, "„Dieses Abkommen sollte im Westen große Sorgen auslösen“", created_by=analyst)
    german_quote.status = "submitted"
    german_quote.save()

    client.force_login(reviewer)
    curation = client.get(f"/admin/review/article/{english.pk}/curation/").content.decode()
    versions = [v for v in listed_passages(curation) if "agreement should" in v]
    # The article's own marks are not doubled (““This…) and a cut falls between words (not "The n…").
    cut = (
        "“This agreement should raise heavy concerns in the West. Belarus is in fact an integral part of Russia "
        "and operates in full coordination with the Kremlin. The…"
    )
    assert versions == [cut, cut + "”"]
    assert "<q" not in curation

    queue = client.get("/admin/annotations/annotation/queue/").content.decode()
    assert "„Dieses Abkommen sollte im Westen große Sorgen auslösen“<" in queue
    assert "“„" not in queue and "““" not in queue
    assert 'aria-label="Select “This agreement should raise heavy…"' in queue

    review_annotation(annotation=german_quote, user=reviewer, decision=Decision.REJECT, reason="Not a quote.")
    review_annotation(annotation=mine, user=reviewer, decision=Decision.REJECT, reason="Too long.")
    client.force_login(analyst)
    unread = client.get("/annotations/unread/").content.decode()
    assert 'Quote <span dir="auto">„Dieses Abkommen sollte im Westen große Sorgen auslösen“</span>' in unread
    assert 'Quote <span dir="auto">“This agreement should raise heavy concerns in the West.…</span>' in unread


def visible_text(response) -> str:
    tree = parse(response)
    for hidden in [*tree.iter("script"), *tree.iter("style")]:
        hidden.clear()
    return " ".join(" ".join(tree.itertext()).split())


def test_every_page_writes_dates_one_way(manager_client, project, analyst):
    """2026-12-07 14:05 in the pages' own lines, the admin's fields and the history tables alike."""
    article = ArticleFactory(project=project, published_on="2025-04-11")
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    pages = [
        f"/admin/annotations/annotation/{annotation.pk}/change/",
        "/admin/annotations/annotation/",
        "/admin/annotations/annotation/queue/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/projects/project/{project.pk}/change/",
        "/admin/projects/project/",
        f"/admin/review/project/{project.pk}/dashboard/",
        f"/articles/{article.pk}/details/",
        f"/annotations/{annotation.pk}/",
    ]
    other_ways = re.compile(
        r"\b(Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}|[ap]\.m\.|\bnoon\b|\bmidnight\b"
        r"|\d\d:\d\d:\d\d|\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    )
    for url in pages:
        text = visible_text(manager_client.get(url))
        assert not other_ways.findall(text), f"{url}: {other_ways.findall(text)}"
        assert re.search(r"\b\d{4}-\d\d-\d\d( \d\d:\d\d)?\b", text), url


def marked_reason(response) -> str:
    """The refusal shown beside the reason's field, which says it is invalid and points at it."""
    assert response.status_code == 422
    tree = parse_any(response)
    field = tree.find(".//textarea[@name='reason']")
    assert field.get("aria-invalid") == "true"
    described = [tree.find(f".//*[@id='{id}']") for id in field.get("aria-describedby").split()]
    return " ".join(
        " ".join(text for element in described if element is not None for text in element.itertext()).split()
    )


def parse_any(response):
    return html5lib.parse(response.content.decode(), treebuilder="etree", namespaceHTMLElements=False)


def test_a_rejection_without_a_reason_marks_the_reason_field(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status="submitted")
    client.force_login(reviewer)
    panel = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "reject", "reason": " ", "version": 1})
    assert "Say why it is rejected; the author needs the reason." in marked_reason(panel)
    admin_page = client.post(f"/admin/annotations/annotation/{annotation.pk}/decide/", {"decision": "reject"})
    assert "Say why it is rejected; the author needs the reason." in marked_reason(admin_page)
    annotation.refresh_from_db()
    assert annotation.status == "submitted"


def test_curation_names_the_analyst_as_a_name_not_as_the_role(client, project, reviewer):
    """The demo's analyst is called "analyst": "analyst's quote is approved" read as the role's quote."""
    article = ArticleFactory(project=project, text="The mayor said the bridge reopens in May.")
    analyst, other = member(project, Membership.Role.ANALYST, "analyst"), member(project, "analyst", "ana")
    accepted = AnnotationFactory(article=article, created_by=analyst, kind="quote", end=9, status="submitted")
    longer = AnnotationFactory(article=article, created_by=other, kind="quote", end=14, status="submitted")
    client.force_login(reviewer)
    page = client.post(f"/admin/review/article/{article.pk}/curation/", {"accept": accepted.pk}, follow=True)
    assert "The quote marked by analyst is approved; 1 other version rejected." in page.content.decode()
    assert "analyst&#x27;s" not in page.content.decode()
    assert longer.events.get(action="rejected").comment == (
        "The version of this passage marked by analyst was accepted in curation."
    )
