"""GET /api/v1/annotations takes the annotation list's source and role filters, combined with the
others, documented in the OpenAPI description, within the user's projects and blind mode."""

from django.test import Client

from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory

TEXT = "Talks went on. Arkady Mil-Man said the deal is a red light to the West. Others disagreed."


def ids(api, **query) -> list[int]:
    response = api.get("/annotations", data=query)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_source_and_role_narrow_the_list_and_combine_with_the_other_filters(
    analyst_api, analyst, other_analyst, project, other_article
):
    milman = SourceFactory(project=project, name="Arkady Mil-Man")
    other = SourceFactory(project=project, name="Viktor Other")
    article = ArticleFactory(project=project, text=TEXT)
    said = AnnotationFactory(article=article, created_by=analyst, kind="quote", start=38, end=46)
    LinkFactory(annotation=said, source=milman, role="said_by")
    cited = AnnotationFactory(article=article, created_by=analyst, kind="claim", start=0, end=13)
    LinkFactory(annotation=cited, source=milman, role="cited")
    LinkFactory(annotation=cited, source=other, role="said_by")
    theirs = AnnotationFactory(article=article, created_by=other_analyst, kind="quote", start=38, end=46)
    LinkFactory(annotation=theirs, source=milman, role="said_by")
    AnnotationFactory(article=article, created_by=analyst, kind="fact", start=50, end=55)  # linked to nobody
    foreign_source = SourceFactory(project=other_article.project, name="Arkady Mil-Man")
    foreign = AnnotationFactory(article=other_article, created_by=analyst, kind="quote")
    LinkFactory(annotation=foreign, source=foreign_source, role="said_by")

    assert ids(analyst_api, source=milman.pk) == [said.pk, cited.pk, theirs.pk]
    assert ids(analyst_api, source=milman.pk, role="said_by") == [said.pk, theirs.pk]
    assert ids(analyst_api, role="said_by") == [said.pk, cited.pk, theirs.pk]
    assert ids(analyst_api, role="said_by", author=analyst.username) == [said.pk, cited.pk]
    assert ids(analyst_api, source=milman.pk, role="said_by", kind="quote", author=other_analyst.username) == [
        theirs.pk
    ]
    assert ids(analyst_api, source=milman.pk, role="claimant") == []
    assert ids(analyst_api, source=milman.pk, article=other_article.pk) == []
    assert ids(analyst_api, source=foreign_source.pk) == []  # another project's source finds nothing
    response = analyst_api.get("/annotations", data={"source": milman.pk, "role": "said_by", "limit": 1})
    assert response.json()["count"] == 2 and "role=said_by" in response.json()["next"]


def test_blind_mode_keeps_others_annotations_out_of_the_filtered_list(analyst, other_analyst, project):
    project.blind = True
    project.save()
    milman = SourceFactory(project=project, name="Arkady Mil-Man")
    article = ArticleFactory(project=project, text=TEXT)
    mine = AnnotationFactory(article=article, created_by=analyst, kind="quote", start=38, end=46)
    theirs = AnnotationFactory(article=article, created_by=other_analyst, kind="quote", start=38, end=46)
    for annotation in (mine, theirs):
        LinkFactory(annotation=annotation, source=milman, role="said_by")
    api = api_client_for(analyst)
    assert ids(api, source=milman.pk, role="said_by") == [mine.pk]
    assert api.get("/annotations", data={"role": "said_by"}).json()["count"] == 1


def test_bad_source_or_role_is_422_naming_the_parameter(analyst_api):
    for query in ({"role": "boss"}, {"source": 0}, {"source": "x"}, {"source": 2**63}):
        response = analyst_api.get("/annotations", data=query)
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == list(query)


def test_the_openapi_description_documents_source_and_role(db):
    description = Client().get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in description["paths"]["/api/v1/annotations"]["get"]["parameters"]}
    assert "linked to this source" in parameters["source"]["description"]
    assert "said_by" in parameters["role"]["description"]
    assert parameters["source"]["in"] == parameters["role"]["in"] == "query"
