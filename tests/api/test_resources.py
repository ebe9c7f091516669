"""Projects, articles and sources through the API, scoped to the user's projects."""

from apps.sources.models import Source
from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, ArticleFactory, SourceFactory, UserFactory


def test_projects_are_those_of_the_user_with_their_role(analyst_api, project, other_project):
    response = analyst_api.get("/projects")
    assert [(p["id"], p["role"]) for p in response.json()] == [(project.pk, "analyst")]
    assert analyst_api.get(f"/projects/{project.pk}").json()["name"] == project.name
    assert analyst_api.get(f"/projects/{other_project.pk}").status_code == 404


def test_a_superuser_sees_every_project(project, other_project):
    api = api_client_for(UserFactory(username="root", is_superuser=True))
    assert {p["id"] for p in api.get("/projects").json()} == {project.pk, other_project.pk}


def test_articles_are_listed_with_filters_and_read_with_their_text(analyst_api, analyst, project, other_article):
    english = ArticleFactory(project=project, title="Budget vote in Zürich", language="en")
    german = ArticleFactory(project=project, title="Haushalt", language="de")
    AnnotationFactory(article=english, created_by=analyst)

    listed = analyst_api.get("/articles").json()
    assert [a["id"] for a in listed["items"]] == [german.pk, english.pk] and listed["count"] == 2
    assert [a["id"] for a in analyst_api.get("/articles", data={"language": "de"}).json()["items"]] == [german.pk]
    found = analyst_api.get("/articles", data={"q": "zurich"}).json()["items"]
    assert [(a["id"], a["annotation_count"]) for a in found] == [(english.pk, 1)], "accents ignored"

    article = analyst_api.get(f"/articles/{english.pk}").json()
    assert article["text"] == english.text and article["text_length"] == len(english.text)
    assert analyst_api.get(f"/articles/{other_article.pk}").status_code == 404


def test_sources_are_searched_created_and_changed(analyst_api, project, other_project):
    SourceFactory(project=project, name="Mordechai Vanunu")
    SourceFactory(project=other_project, name="Mordechai Other")

    found = analyst_api.get("/sources", data={"q": "Moredcahi"}).json()
    assert [s["name"] for s in found["items"]] == ["Mordechai Vanunu"], "typos tolerated, other projects unseen"

    created = analyst_api.post(
        "/sources", {"project": project.pk, "name": "Arkady Mil- Man", "kind": "person", "aliases": ["Mil, Arkady"]}
    )
    assert created.status_code == 201 and created.json()["name"] == "Arkady Mil-Man"
    assert created.json()["aliases"] == ["Mil, Arkady"]

    same = analyst_api.post("/sources", {"project": project.pk, "name": "arkady milman", "kind": "person"})
    assert same.status_code == 422 and "has “Arkady Mil-Man” already" in same.json()["errors"][0]["message"]

    bad_url = analyst_api.post(
        "/sources", {"project": project.pk, "name": "Ministry", "kind": "organisation", "url": "javascript:alert(1)"}
    )
    assert bad_url.status_code == 422 and bad_url.json()["errors"][0]["field"] == "url"

    pk = created.json()["id"]
    changed = analyst_api.patch(f"/sources/{pk}", {"description": "Economist", "url": "https://example.org/mil-man"})
    assert changed.status_code == 200
    source = Source.objects.get(pk=pk)
    assert (source.name, source.description, source.url) == (
        "Arkady Mil-Man",
        "Economist",
        "https://example.org/mil-man",
    )


def test_sources_of_another_project_are_404(analyst_api, other_project):
    foreign = SourceFactory(project=other_project)
    assert analyst_api.get(f"/sources/{foreign.pk}").status_code == 404
    assert analyst_api.patch(f"/sources/{foreign.pk}", {"name": "Mine"}).status_code == 404
    assert analyst_api.post("/sources", {"project": other_project.pk, "name": "X", "kind": "person"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name != "Mine"


def test_unknown_addresses_and_methods_are_refused_in_json(client):
    for address in ("/api/v1/nothing", "/api/v1/projects/", "/api/v1/annotations/1/nonsense"):
        response = client.get(address)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", address
        assert "no such address" in response.json()["message"]
    response = client.put("/api/v1/projects")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "PUT is not allowed here" in response.json()["message"] and "GET" in response["Allow"]
