import pytest

from apps.annotations.models import Link
from apps.articles.models import Article
from apps.projects.models import Membership
from apps.sources.models import Source
from tests.api.conftest import api_client_for
from tests.conftest import member
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    LinkFactory,
    MembershipFactory,
    ProjectFactory,
    SourceFactory,
)


@pytest.fixture
def manager_api(manager):
    return api_client_for(manager)


@pytest.fixture
def pair(project):
    survivor = SourceFactory(project=project, name="Belta", kind=Source.Kind.OUTLET)
    merged = SourceFactory(project=project, name="BelTA news agency", kind=Source.Kind.OUTLET)
    for source in (survivor, merged):
        LinkFactory(annotation=AnnotationFactory(article=ArticleFactory(project=project)), source=source)
        ArticleFactory(project=project, publisher=source)
    return survivor, merged


def counted(*ids):
    return Link.objects.filter(source__in=ids).count(), Article.objects.filter(publisher__in=ids).count()


def test_a_manager_merges_and_undoes_through_the_api(manager_api, pair, manager):
    survivor, merged = pair
    before = counted(survivor.pk, merged.pk)

    response = manager_api.post(f"/sources/{merged.pk}/merge", {"into": survivor.pk})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["survivor"], body["merged"], body["merged_name"], body["merged_by"]) == (
        survivor.pk,
        merged.pk,
        "BelTA news agency",
        "manager1",
    )
    assert body["moved"] == {
        "links": 1,
        "folded_links": 0,
        "articles": 1,
        "affiliates": 0,
        "aliases": ["BelTA news agency"],
    }
    assert counted(survivor.pk) == before
    assert manager_api.get(f"/sources/{merged.pk}").status_code == 404
    assert manager_api.get(f"/sources/{survivor.pk}").json()["aliases"] == ["BelTA news agency"]

    undone = manager_api.post(f"/sources/merges/{body['id']}/undo")
    assert undone.status_code == 200, undone.json()
    assert undone.json()["undone_by"] == "manager1" and undone.json()["not_restored"] == []
    assert counted(merged.pk) == (1, 1) and counted(survivor.pk) == (1, 1)
    again = manager_api.post(f"/sources/merges/{body['id']}/undo")
    assert again.status_code == 422 and "undone already" in again.json()["message"]


def merge_moved_articles(merge: dict) -> list[int]:
    from apps.directory.models import SourceMerge

    return SourceMerge.objects.get(pk=merge["id"]).moved["articles"]


def test_a_partial_undo_says_what_it_could_not_restore(manager_api, pair):
    survivor, merged = pair
    merge = manager_api.post(f"/sources/{merged.pk}/merge", {"into": survivor.pk}).json()
    Article.objects.filter(pk__in=merge_moved_articles(merge)).update(publisher=None)
    body = manager_api.post(f"/sources/merges/{merge['id']}/undo").json()
    assert body["not_restored"] == [
        "1 of the 1 articles published the merge moved changed or went since; they stay as they are."
    ]


def test_merges_are_the_managers(analyst_api, reviewer_api, pair, manager):
    survivor, merged = pair
    for api in (analyst_api, reviewer_api):
        response = api.post(f"/sources/{merged.pk}/merge", {"into": survivor.pk})
        assert response.status_code == 403 and "managers" in response.json()["message"]
    merge = api_client_for(manager).post(f"/sources/{merged.pk}/merge", {"into": survivor.pk}).json()
    assert reviewer_api.post(f"/sources/merges/{merge['id']}/undo").status_code == 403


def test_refusals_for_the_same_source_another_project_and_unknown_ones(manager_api, pair, manager, outsider_api):
    survivor, merged = pair
    same = manager_api.post(f"/sources/{merged.pk}/merge", {"into": merged.pk})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "into"
    # A project the manager is also in: a clear refusal, not a tie between the two.
    second = ProjectFactory()
    MembershipFactory(project=second, user=manager, role=Membership.Role.MANAGER)
    elsewhere = SourceFactory(project=second, name="Belta")
    across = manager_api.post(f"/sources/{merged.pk}/merge", {"into": elsewhere.pk})
    assert across.status_code == 422 and "same project" in across.json()["message"]
    assert manager_api.post(f"/sources/{merged.pk}/merge", {"into": 2**40}).status_code == 404
    assert manager_api.post(f"/sources/{2**40}/merge", {"into": survivor.pk}).status_code == 404
    assert manager_api.post(f"/sources/merges/{2**40}/undo").status_code == 404
    # Somebody else's project: not found, whoever they are there.
    assert outsider_api.post(f"/sources/{merged.pk}/merge", {"into": survivor.pk}).status_code == 404
    refused = manager_api.post(f"/sources/{merged.pk}/merge", {"into": survivor.pk, "keep": True})
    assert refused.status_code == 422
    assert Source.objects.filter(pk__in=[survivor.pk, merged.pk, elsewhere.pk]).count() == 3


def test_an_undo_of_another_projects_merge_is_not_found(pair, manager, project):
    survivor, merged = pair
    merge = api_client_for(manager).post(f"/sources/{merged.pk}/merge", {"into": survivor.pk}).json()
    stranger = member(ProjectFactory(), Membership.Role.MANAGER, "stranger")
    assert api_client_for(stranger).post(f"/sources/merges/{merge['id']}/undo").status_code == 404


def test_the_description_has_the_merge_operations(anonymous_api):
    paths = anonymous_api.get("/openapi.json").json()["paths"]
    assert "/api/v1/sources/{source_id}/merge" in paths and "/api/v1/sources/merges/{merge_id}/undo" in paths
    assert set(paths["/api/v1/sources/{source_id}/merge"]["post"]["responses"]) >= {"201", "403", "404", "422"}
