from apps.annotations.models import Link
from apps.annotations.services import create_annotation, link_source
from tests.factories import ArticleFactory, SourceFactory
from tests.stories.conftest import sample_story


def mark(article, user, passage, kind="quote"):
    start = article.text.index(passage)
    return create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(passage), exact=passage
    )


def test_a_proposal_names_the_span_of_the_other_version(analyst_api, analyst, project):
    english, german = sample_story(project)
    first = mark(english, analyst, "emerging threat")

    response = analyst_api.get(f"/annotations/{first.pk}/counterpart?article={german.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["exact"] == "aufstrebenden Bedrohung" == german.text[body["start"] : body["end"]]
    assert 0 < body["score"] <= 1


def test_accepting_is_a_create_naming_the_counterpart_and_both_details_show_it(analyst_api, analyst, project):
    english, german = sample_story(project)
    first = mark(english, analyst, "emerging threat")
    speaker = SourceFactory(project=project, name="Jon Finer")
    link_source(annotation=first, source=speaker, role=Link.Role.SAID_BY, user=analyst)
    proposal = analyst_api.get(f"/annotations/{first.pk}/counterpart?article={german.pk}").json()

    created = analyst_api.post(
        "/annotations",
        {
            "article": german.pk,
            "kind": "quote",
            "counterpart": first.pk,
            **{k: proposal[k] for k in ("start", "end", "exact")},
        },
    )

    assert created.status_code == 201
    second = created.json()["id"]
    detail = analyst_api.get(f"/annotations/{second}").json()
    assert [c["id"] for c in detail["counterparts"]] == [first.pk]
    assert [link["source"]["name"] for link in detail["links"]] == ["Jon Finer"]
    assert [(c["id"], c["exact"]) for c in analyst_api.get(f"/annotations/{first.pk}").json()["counterparts"]] == [
        (second, "aufstrebenden Bedrohung")
    ]


def test_an_article_outside_the_story_is_422_and_outside_the_projects_404(analyst_api, analyst, project, other_article):
    english, _german = sample_story(project)
    first = mark(english, analyst, "emerging threat")
    unrelated = ArticleFactory(project=project)

    refused = analyst_api.get(f"/annotations/{first.pk}/counterpart?article={unrelated.pk}")
    assert refused.status_code == 422 and "story" in refused.json()["message"]
    assert analyst_api.get(f"/annotations/{first.pk}/counterpart?article={other_article.pk}").status_code == 404
    assert analyst_api.get(f"/annotations/{first.pk}/counterpart?article=0").status_code == 422
    created = analyst_api.post(
        "/annotations",
        {
            "article": unrelated.pk,
            "kind": "quote",
            "counterpart": first.pk,
            "start": 0,
            "end": 3,
            "exact": unrelated.text[:3],
        },
    )
    assert created.status_code == 422


def test_blind_mode_hides_another_analysts_annotation_from_proposals(other_analyst_api, analyst, project):
    project.blind = True
    project.save()
    english, german = sample_story(project)
    first = mark(english, analyst, "emerging threat")

    response = other_analyst_api.get(f"/annotations/{first.pk}/counterpart?article={german.pk}")

    assert response.status_code == 404
    assert response.json()["message"]
