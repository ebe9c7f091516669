"""Annotations through the API: the workbench's rules and refusals, in JSON."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation, AnnotationEvent
from tests.api.conftest import span_of
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, SourceFactory, UserFactory


def fields_of(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_a_span_is_created_as_a_draft_with_its_address_and_etag(analyst_api, analyst, article):
    response = analyst_api.post("/annotations", span_of(article))
    assert response.status_code == 201
    body = response.json()
    annotation = Annotation.objects.get()
    assert body["id"] == annotation.pk and body["status"] == "draft" and body["version"] == 1
    assert body["exact"] == annotation.exact and body["created_by"] == analyst.username
    assert response["Location"] == f"/api/v1/annotations/{annotation.pk}"
    assert response["ETag"] == f'"annotation-{annotation.pk}-v1"'
    read_back = analyst_api.get(f"/annotations/{annotation.pk}")
    assert read_back["ETag"] == response["ETag"] and read_back.json() == body


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start": 5, "end": 5}, "__all__", "at least one character"),
        ({"start": -1}, "start", "greater than or equal to 0"),
        ({"start": 0, "end": 100_000}, "__all__", "outside the article's text"),
        ({"exact": "not the text"}, "exact", "does not match the article"),
        ({"kind": "rumour"}, "kind", "'claim', 'quote' or 'fact'"),
        ({"start": "three"}, "start", "valid integer"),
        ({"exact": "a\x00b"}, "exact", "Null characters are not allowed."),
    ],
    ids=["empty", "negative", "outside", "mismatch", "unknown-kind", "not-a-number", "nul"],
)
def test_bad_spans_are_refused_with_422_naming_the_field(analyst_api, article, change, field, message):
    response = analyst_api.post("/annotations", span_of(article) | change)
    assert response.status_code == 422
    assert message in fields_of(response)[field] and message in response.json()["message"]
    assert not Annotation.objects.exists()


def test_a_span_cutting_an_emoji_in_two_is_refused(analyst_api, project):
    article = ArticleFactory(project=project, text="Family 👨‍👩‍👧 here.")
    response = analyst_api.post(
        "/annotations", {"article": article.pk, "kind": "fact", "start": 7, "end": 8, "exact": "👨"}
    )
    assert response.status_code == 422 and "cut a character in two" in response.json()["message"]


def test_the_same_span_twice_is_409(analyst_api, article):
    assert analyst_api.post("/annotations", span_of(article)).status_code == 201
    response = analyst_api.post("/annotations", span_of(article))
    assert response.status_code == 409 and "already marked exactly this passage" in response.json()["message"]
    assert Annotation.objects.count() == 1


def test_another_projects_article_is_404_as_if_it_did_not_exist(analyst_api, other_article):
    response = analyst_api.post("/annotations", span_of(other_article))
    assert response.status_code == 404 and response.json()["message"] == "Not found, or not in your projects."
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b'{"article": 1, "exact": "\\ud800"}', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_400(analyst_api, body):
    response = analyst_api.client.post(
        "/api/v1/annotations", body, content_type="application/json", headers=analyst_api.headers
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]


def test_a_missing_field_is_named(analyst_api, article):
    response = analyst_api.post("/annotations", {"article": article.pk, "kind": "claim", "start": 0, "end": 3})
    assert response.status_code == 422 and fields_of(response) == {"exact": "Field required"}


def test_the_list_is_filtered_by_article_kind_status_author_and_time(
    analyst_api, analyst, other_analyst, article, project
):
    second = ArticleFactory(project=project)
    mine = AnnotationFactory(article=article, created_by=analyst, kind="quote")
    theirs = AnnotationFactory(article=article, created_by=other_analyst, status="submitted")
    elsewhere = AnnotationFactory(article=second, created_by=analyst, start=5, end=9)
    AnnotationFactory(article=ArticleFactory(), created_by=UserFactory())  # another project's
    Annotation.objects.filter(pk=elsewhere.pk).update(updated_at=timezone.now() - timedelta(days=3))

    def ids(**query):
        response = analyst_api.get("/annotations", data=query)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [mine.pk, theirs.pk, elsewhere.pk]
    assert ids(article=article.pk) == [mine.pk, theirs.pk]
    assert ids(kind="quote") == [mine.pk]
    assert ids(status="submitted") == [theirs.pk]
    assert ids(author=other_analyst.username) == [theirs.pk]
    assert ids(updated_since=(timezone.now() - timedelta(days=1)).isoformat()) == [mine.pk, theirs.pk]
    assert ids(project=project.pk, article=second.pk) == [elsewhere.pk]


def test_pages_carry_their_neighbours_in_the_body_and_the_link_header(analyst_api, analyst, article):
    for start in range(0, 50, 10):
        AnnotationFactory(article=article, created_by=analyst, start=start, end=start + 4)
    response = analyst_api.get("/annotations", data={"limit": 2, "offset": 2})
    body = response.json()
    assert body["count"] == 5 and len(body["items"]) == 2
    assert body["next"] == "http://testserver/api/v1/annotations?limit=2&offset=4"
    assert body["previous"] == "http://testserver/api/v1/annotations?limit=2&offset=0"
    links = response["Link"]
    assert f'<{body["next"]}>; rel="next"' in links and f'<{body["previous"]}>; rel="prev"' in links
    assert '<http://testserver/api/v1/annotations?limit=2&offset=4>; rel="last"' in links


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}])
def test_bad_paging_is_422_naming_the_parameter(analyst_api, query):
    response = analyst_api.get("/annotations", data=query)
    assert response.status_code == 422 and set(fields_of(response)) == set(query)


def test_listing_100_annotations_costs_the_same_few_queries(analyst_api, analyst, article, django_assert_num_queries):
    for start in range(0, 100):
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=start + 1)
        LinkFactory(annotation=annotation)
    analyst_api.get("/projects")  # the token's first use is recorded; later ones within a minute are not
    # token, the user with roles, count, the page, its links with their sources
    with django_assert_num_queries(5):
        response = analyst_api.get("/annotations", data={"limit": 100})
    assert len(response.json()["items"]) == 100


class TestChanges:
    def test_a_change_names_its_version_and_gets_the_next(self, analyst_api, annotation):
        response = analyst_api.patch(
            f"/annotations/{annotation.pk}", {"version": 1, "note": "Checked.", "tags": ["economy", "x"]}
        )
        assert response.status_code == 200
        assert response.json()["version"] == 2 and response["ETag"] == f'"annotation-{annotation.pk}-v2"'
        annotation.refresh_from_db()
        assert annotation.note == "Checked." and annotation.tags == ["economy", "x"] and annotation.version == 2

    def test_if_match_with_the_etag_works_as_the_version(self, analyst_api, annotation):
        etag = analyst_api.get(f"/annotations/{annotation.pk}")["ETag"]
        response = analyst_api.patch(f"/annotations/{annotation.pk}", {"kind": "fact"}, headers={"If-Match": etag})
        assert response.status_code == 200 and response.json()["kind"] == "fact"

    def test_a_stale_version_is_409_with_the_current_state_and_nothing_changes(
        self, analyst_api, other_analyst, annotation
    ):
        assert analyst_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "note": "first"}).status_code == 200
        before = Annotation.objects.values().get(pk=annotation.pk)
        events = AnnotationEvent.objects.count()

        for stale in (
            {"json": {"version": 1, "note": "second"}},
            {"json": {"note": "second"}, "headers": {"If-Match": f'"annotation-{annotation.pk}-v1"'}},
        ):
            response = analyst_api.patch(f"/annotations/{annotation.pk}", stale["json"], headers=stale.get("headers"))
            assert response.status_code == 409
            body = response.json()
            assert "nothing was changed" in body["message"]
            assert body["current"]["note"] == "first" and body["current"]["version"] == 2
            assert response["ETag"] == f'"annotation-{annotation.pk}-v2"'
        assert Annotation.objects.values().get(pk=annotation.pk) == before
        assert AnnotationEvent.objects.count() == events

    def test_a_change_without_a_version_is_428(self, analyst_api, annotation):
        response = analyst_api.patch(f"/annotations/{annotation.pk}", {"note": "blind"})
        assert response.status_code == 428 and "version" in fields_of(response)
        annotation.refresh_from_db()
        assert annotation.note == ""

    def test_a_foreign_etag_is_refused(self, analyst_api, annotation):
        response = analyst_api.patch(
            f"/annotations/{annotation.pk}", {"note": "x"}, headers={"If-Match": '"something-else"'}
        )
        assert response.status_code == 422 and "If-Match" in fields_of(response)

    def test_moving_the_span_checks_exact_against_the_text(self, analyst_api, annotation, article):
        moved = span_of(article, 2)
        bad = analyst_api.patch(
            f"/annotations/{annotation.pk}",
            {"version": 1, "start": moved["start"], "end": moved["end"], "exact": "nope"},
        )
        assert bad.status_code == 422 and "does not match" in bad.json()["message"]
        good = analyst_api.patch(
            f"/annotations/{annotation.pk}",
            {"version": 1, "start": moved["start"], "end": moved["end"], "exact": moved["exact"]},
        )
        assert good.status_code == 200 and good.json()["exact"] == moved["exact"] and good.json()["prefix"]

    def test_an_analyst_may_not_change_anothers_annotation(self, other_analyst_api, annotation):
        response = other_analyst_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "note": "mine now"})
        assert response.status_code == 403 and "Only the author" in response.json()["message"]
        assert other_analyst_api.delete(f"/annotations/{annotation.pk}").status_code == 403

    def test_a_reviewer_may_change_any(self, reviewer_api, annotation):
        assert reviewer_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "note": "tidied"}).status_code == 200

    def test_another_project_sees_nothing(self, outsider_api, annotation):
        assert outsider_api.get(f"/annotations/{annotation.pk}").status_code == 404
        assert outsider_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "note": "x"}).status_code == 404
        assert outsider_api.delete(f"/annotations/{annotation.pk}").status_code == 404
        assert outsider_api.post(f"/annotations/{annotation.pk}/review", {"decision": "approve"}).status_code == 404
        assert outsider_api.get("/annotations").json()["count"] == 0
        annotation.refresh_from_db()
        assert annotation.note == "" and annotation.deleted_at is None and annotation.status == "draft"

    def test_a_deleted_annotation_is_gone_from_the_api_and_kept_in_history(self, analyst_api, annotation):
        assert analyst_api.delete(f"/annotations/{annotation.pk}").status_code == 204
        assert analyst_api.get(f"/annotations/{annotation.pk}").status_code == 404
        assert analyst_api.get("/annotations").json()["count"] == 0
        assert annotation.events.filter(action="deleted").exists()


class TestReview:
    def test_the_author_submits_and_a_reviewer_approves(self, analyst_api, reviewer_api, reviewer, annotation):
        submitted = analyst_api.post(f"/annotations/{annotation.pk}/submit")
        assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
        again = analyst_api.post(f"/annotations/{annotation.pk}/submit")
        assert again.status_code == 409 and "only drafts are submitted" in again.json()["message"]
        approved = reviewer_api.post(f"/annotations/{annotation.pk}/review", {"decision": "approve"})
        assert approved.status_code == 200
        assert approved.json()["status"] == "approved" and approved.json()["reviewed_by"] == reviewer.username

    def test_an_analyst_may_not_review_even_their_own(self, analyst_api, annotation):
        response = analyst_api.post(f"/annotations/{annotation.pk}/review", {"decision": "approve"})
        assert response.status_code == 403 and "Only reviewers" in response.json()["message"]
        annotation.refresh_from_db()
        assert annotation.status == "draft"

    def test_a_rejection_needs_a_reason_which_the_history_keeps(self, reviewer_api, annotation):
        Annotation.objects.filter(pk=annotation.pk).update(status="submitted")
        refused = reviewer_api.post(f"/annotations/{annotation.pk}/review", {"decision": "reject"})
        assert refused.status_code == 422 and "Say why" in refused.json()["message"]
        rejected = reviewer_api.post(
            f"/annotations/{annotation.pk}/review", {"decision": "reject", "reason": "No source."}
        )
        assert rejected.json()["status"] == "rejected"
        assert annotation.events.get(action="rejected").comment == "No source."
        back = reviewer_api.post(
            f"/annotations/{annotation.pk}/review", {"decision": "draft", "version": rejected.json()["version"]}
        )
        assert back.json()["status"] == "draft"

    def test_an_unknown_decision_is_422(self, reviewer_api, annotation):
        response = reviewer_api.post(f"/annotations/{annotation.pk}/review", {"decision": "maybe"})
        assert response.status_code == 422 and "decision" in fields_of(response)


class TestLinksAndComments:
    def test_a_source_is_linked_by_id_or_found_by_name_and_unlinked(self, analyst_api, annotation, project):
        source = SourceFactory(project=project, name="Mil-Man")
        by_id = analyst_api.post(f"/annotations/{annotation.pk}/links", {"role": "claimant", "source": source.pk})
        assert by_id.status_code == 201 and by_id.json()["source"]["name"] == "Mil-Man"
        by_name = analyst_api.post(
            f"/annotations/{annotation.pk}/links",
            {"role": "cited", "new_source_name": "mil man", "new_source_kind": "person"},
        )
        assert by_name.status_code == 201 and by_name.json()["source"]["id"] == source.pk, (
            "the same person, however spelled"
        )
        links = analyst_api.get(f"/annotations/{annotation.pk}").json()["links"]
        assert [link["role"] for link in links] == ["claimant", "cited"]

        assert analyst_api.delete(f"/links/{by_id.json()['id']}").status_code == 204
        assert [link["role"] for link in analyst_api.get(f"/annotations/{annotation.pk}").json()["links"]] == ["cited"]

    def test_a_source_of_another_project_is_refused(self, analyst_api, annotation, other_project):
        foreign = SourceFactory(project=other_project)
        response = analyst_api.post(f"/annotations/{annotation.pk}/links", {"role": "cited", "source": foreign.pk})
        assert response.status_code == 422 and "source" in fields_of(response)
        assert not annotation.links.exists()

    def test_a_link_needs_a_source(self, analyst_api, annotation):
        response = analyst_api.post(f"/annotations/{annotation.pk}/links", {"role": "cited"})
        assert response.status_code == 422 and "Pick a source" in response.json()["message"]

    def test_links_of_other_projects_cannot_be_removed(self, outsider_api, annotation):
        link = LinkFactory(annotation=annotation)
        assert outsider_api.delete(f"/links/{link.pk}").status_code == 404
        assert annotation.links.exists()

    def test_members_discuss_an_annotation(self, analyst_api, reviewer_api, annotation, reviewer):
        assert reviewer_api.post(f"/annotations/{annotation.pk}/comments", {"body": "Which report?"}).status_code == 201
        assert analyst_api.post(f"/annotations/{annotation.pk}/comments", {"body": "   "}).status_code == 422
        comments = analyst_api.get(f"/annotations/{annotation.pk}/comments").json()
        assert [(c["author"], c["body"]) for c in comments] == [(reviewer.username, "Which report?")]


def test_a_tag_with_a_comma_is_refused_not_split(analyst_api, annotation):
    response = analyst_api.patch(f"/annotations/{annotation.pk}", {"tags": ["=SUM(1,2)"], "version": 1})
    assert response.status_code == 422 and "cannot contain a comma" in response.json()["message"]
    annotation.refresh_from_db()
    assert annotation.tags == [] and annotation.version == 1


def test_too_many_or_too_long_tags_are_refused_with_422_naming_the_limit(analyst_api, annotation):
    for given, message in (
        ([f"tag {n}" for n in range(51)], "At most 50 tags per annotation; this has 51."),
        (["y" * 101], "A tag has at most 100 characters;"),
    ):
        response = analyst_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "tags": given})
        assert response.status_code == 422
        assert message in response.json()["message"]
        assert [error["field"] for error in response.json()["errors"]] == ["tags"]
    annotation.refresh_from_db()
    assert annotation.tags == [] and annotation.version == 1
    most = [f"{n:02d}".ljust(100, "x") for n in range(50)]
    assert analyst_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "tags": most}).status_code == 200
