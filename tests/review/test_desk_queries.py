"""The review desk's pages and actions cost the same queries however much there is: at 1x and at
10x the project's articles and annotations, and whatever one annotation has linked or discussed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.annotations.services import add_comment, link_source
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, SourceFactory

TEXT = "The mayor said the bridge reopens in May. Critics doubt it will. The council met on Monday."
# Passages both analysts mark, the second with its end a word further on.
PASSAGES = [(0, 9, 14), (15, 40, 41), (42, 49, 64)]


@pytest.fixture
def desk(project, analyst, other_analyst, reviewer):
    return {
        "project": project,
        "analysts": [analyst, other_analyst],
        "reviewer": reviewer,
        "manager": member(project, Membership.Role.MANAGER, "manager1"),
    }


def add_articles(desk, count: int) -> list:
    """`count` articles that both analysts marked, every annotation submitted."""
    articles = []
    for _ in range(count):
        desk["made"] = desk.get("made", 0) + 1
        article = ArticleFactory(project=desk["project"], text=f"{TEXT} No. {desk['made']}.")
        for start, end, longer in PASSAGES:
            for analyst, stop in zip(desk["analysts"], (end, longer), strict=True):
                AnnotationFactory(article=article, created_by=analyst, start=start, end=stop, status="submitted")
        articles.append(article)
    return articles


def queries(client, method: str, url: str, data=None, status=(200, 302)) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code in status, (url, response.status_code)
    return len(captured)


def waiting(desk, count: int) -> list[Annotation]:
    rows = Annotation.objects.filter(article__project=desk["project"], status="submitted").order_by("pk")
    return list(rows[:count])


def bulk_form(rows, **fields) -> dict:
    versions = {f"listed-version-{row.pk}": row.version for row in rows}
    return {**fields, "_selected_action": [row.pk for row in rows], **versions}


def test_the_admin_page_of_an_annotation_costs_the_same_whatever_it_has(client, desk):
    """Its links, comments and history are read a table at a time, not a row at a time."""
    few, many = add_articles(desk, 2)
    analyst, reviewer = desk["analysts"][0], desk["reviewer"]
    client.force_login(reviewer)
    pages = {}
    for article, links in ((few, 1), (many, 8)):
        annotation = article.annotations.filter(created_by=analyst).first()
        for n in range(links):
            source = SourceFactory(project=desk["project"], name=f"Source {article.pk}-{n}")
            link_source(annotation=annotation, source=source, role="cited", user=analyst)
            add_comment(annotation=annotation, user=reviewer if n % 2 else analyst, body=f"Comment {n}")
        url = reverse("admin:annotations_annotation_change", args=[annotation.pk])
        client.get(url)  # its discussion read once: showing it again writes nothing
        pages[links] = queries(client, "GET", url)
    assert pages[1] == pages[8]
    add_articles(desk, 20)
    assert queries(client, "GET", url) == pages[8]


def test_bulk_decisions_cost_the_same_at_1x_and_10x(client, desk):
    add_articles(desk, 3)
    client.force_login(desk["reviewer"])
    listing = reverse("admin:annotations_annotation_changelist")
    queue = reverse("admin:annotations_annotation_queue")

    def decide_eight():
        by_list = queries(client, "POST", listing, bulk_form(waiting(desk, 8), action="approve", index="0"))
        by_queue = queries(client, "POST", queue, bulk_form(waiting(desk, 8), decision="approve"))
        return by_list, by_queue

    small = decide_eight()
    add_articles(desk, 30)
    assert decide_eight() == small
    assert Annotation.objects.filter(status="approved").count() == 32


def test_the_pages_a_decision_leads_to_and_curation_cost_the_same_at_1x_and_10x(client, desk):
    """The list and the queue a bulk decision leads back to, "Same story" and the workbench it
    leads to, curation's page and its accept."""
    first, second, *_ = add_articles(desk, 3)
    client.force_login(desk["reviewer"])
    fixed = [
        ("GET", reverse("admin:annotations_annotation_changelist")),
        ("GET", reverse("admin:annotations_annotation_queue")),
        ("GET", reverse("review:curation", args=[first.pk])),
        ("GET", first.get_absolute_url()),
    ]

    def costs() -> list[int]:
        counted = [queries(client, method, url) for method, url in fixed]
        accepted = waiting(desk, 1)[0]
        curation = reverse("review:curation", args=[accepted.article_id])
        counted.append(queries(client, "POST", curation, {"accept": accepted.pk, "version": accepted.version}))
        joined = reverse("articles:join-story", args=[first.pk])
        counted.append(queries(client, "POST", joined, {"other": add_articles(desk, 1)[0].pk}))
        return counted

    costs()  # the discussion's and the story's first writes done
    small = costs()
    add_articles(desk, 30)
    assert costs() == small
