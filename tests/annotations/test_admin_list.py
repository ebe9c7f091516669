"""The admin's annotation list: filters and search scoped to the reviewer's projects, a capped
count, and the same number of queries however many annotations there are."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations.admin import CappedPaginator
from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, ProjectFactory, SourceFactory

TEXT = "The mayor of Zürich said the bridge reopens in May. Critics doubt it. Budget: 4 million."
CHANGELIST = "/admin/annotations/annotation/"


@pytest.fixture
def desk(project, analyst, reviewer):
    """Annotations in the reviewer's project and in another one."""
    article = ArticleFactory(project=project, text=TEXT, title="Bridge news", language="de")
    elsewhere = ArticleFactory(project=ProjectFactory(name="Elsewhere"), text=TEXT, title="Bridge news abroad")
    stranger = member(elsewhere.project, Membership.Role.ANALYST, "stranger")
    return {
        "mayor": AnnotationFactory(article=article, created_by=analyst, start=4, end=19, note="check the name"),
        "bridge": AnnotationFactory(
            article=article,
            created_by=analyst,
            start=TEXT.index("the bridge"),
            end=TEXT.index(" reopens"),
            status="submitted",
        ),
        "abroad": AnnotationFactory(article=elsewhere, created_by=stranger, start=4, end=19),
        "article": article,
        "elsewhere": elsewhere,
        "stranger": stranger,
    }


def listed(client, query="") -> set[str]:
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return {annotation.exact for annotation in response.context["cl"].result_list}


def test_search_ignores_accents_and_case_over_text_note_and_title(client, reviewer, desk):
    client.force_login(reviewer)
    assert listed(client, "?q=zurich") == {"mayor of Zürich"}
    assert listed(client, "?q=NAME") == {"mayor of Zürich"}  # the note
    assert listed(client, "?q=bridge+news") == {"mayor of Zürich", "the bridge"}  # the title, never abroad
    assert listed(client, "?q=bridge+mayor") == {"mayor of Zürich"}  # every word must match somewhere


def test_filters_offer_and_apply_only_the_reviewers_projects(client, reviewer, analyst, desk):
    LinkFactory(annotation=desk["mayor"], source=SourceFactory(project=desk["article"].project, name="City hall"))
    LinkFactory(annotation=desk["abroad"], source=SourceFactory(project=desk["elsewhere"].project, name="Far away"))
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    assert "City hall" in page and "Far away" not in page
    assert "stranger" not in page and "Elsewhere" not in page
    assert "German" in page
    source = desk["mayor"].links.get().source
    assert listed(client, f"?source={source.pk}") == {"mayor of Zürich"}
    assert listed(client, f"?author={analyst.pk}&status__exact=submitted") == {"the bridge"}
    assert listed(client, f"?project={desk['article'].project_id}&language=de&kind__exact=claim") == {
        "mayor of Zürich",
        "the bridge",
    }
    # Another project's rows are not reachable by naming them in the query string either.
    assert listed(client, f"?author={desk['stranger'].pk}") == set()
    assert listed(client, f"?project={desk['elsewhere'].project_id}") == set()
    assert listed(client, f"?source={desk['abroad'].links.get().source_id}") == set()


def test_the_count_stops_at_the_cap(client, reviewer, desk, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "CAP", 1)
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    assert "More than 1 annotation" in page


@pytest.mark.parametrize("path", [CHANGELIST, CHANGELIST + "?q=mayor&status__exact=submitted", CHANGELIST + "queue/"])
def test_list_and_queue_cost_the_same_queries_for_10_and_100_annotations(
    client, project, analyst, reviewer, path, django_assert_num_queries
):
    article = ArticleFactory(project=project, text=TEXT)
    client.force_login(reviewer)

    def add(kinds, count):
        Annotation.objects.bulk_create(
            Annotation(
                article=article,
                kind=kind,
                start=n,
                end=n + 5,
                exact=TEXT[n : n + 5],
                created_by=analyst,
                status="submitted",
            )
            for kind in kinds
            for n in range(count)
        )

    add(["claim"], 10)
    with CaptureQueriesContext(connection) as at_10:
        assert client.get(path).status_code == 200
    add(["quote", "fact"], 45)
    assert Annotation.objects.count() == 100
    with django_assert_num_queries(len(at_10)):
        assert client.get(path).status_code == 200


def test_with_several_projects_the_source_filter_waits_for_a_project(client, reviewer, desk):
    LinkFactory(annotation=desk["mayor"], source=SourceFactory(project=desk["article"].project, name="City hall"))
    second = ProjectFactory(name="Second")
    member_again = Membership.objects.create(project=second, user=reviewer, role=Membership.Role.REVIEWER)
    assert member_again.pk
    SourceFactory(project=second, name="Other desk")
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    assert "City hall" not in page and "Other desk" not in page
    page = client.get(f"{CHANGELIST}?project={desk['article'].project_id}").content.decode()
    assert "City hall" in page and "Other desk" not in page
    source = desk["mayor"].links.get().source
    assert listed(client, f"?source={source.pk}") == {"mayor of Zürich"}


def test_each_row_names_who_said_or_claims_it(client, reviewer, desk):
    mayor = desk["mayor"]
    LinkFactory(
        annotation=mayor, source=SourceFactory(project=mayor.article.project, name="Corine Mauch"), role="said_by"
    )
    LinkFactory(annotation=mayor, source=SourceFactory(project=mayor.article.project, name="City report"), role="cited")
    LinkFactory(
        annotation=desk["bridge"],
        source=SourceFactory(project=mayor.article.project, name="Critics <b>"),
        role="claimant",
    )
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    # Each name links to its page in the directory; a cited source is not who said it.
    named = re.findall(
        r'<td class="field-attributed_to"><a class="source-link" href="/sources/\d+/">([^<]*)</a></td>', page
    )
    assert sorted(named) == ["Corine Mauch", "Critics &lt;b&gt;"]
