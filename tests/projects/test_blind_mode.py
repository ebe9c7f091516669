"""Blind mode: in a blind project, no answer an analyst gets reveals another analyst's annotation
of an article until a reviewer marks it curated; reviewers and managers see everyone's."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from apps.annotations.models import Annotation, Comment
from apps.annotations.rendering import overlapping_spans, spans
from apps.annotations.services import add_comment, create_annotation
from apps.articles.models import Article, Story
from apps.articles.services import mark_curated
from apps.exports.formats import FORMATS
from apps.exports.models import ExportJob
from apps.exports.rows import Selection
from apps.exports.tasks import run_export, start_export_job
from apps.projects.models import Membership, Project
from apps.projects.permissions import forget_roles
from tests.api.conftest import api_client_for
from tests.conftest import member
from tests.factories import ArticleFactory, ProjectFactory

TEXT = (
    "The minister said the plan works.\n"
    "Critics replied that the budget is short.\n"
    "Officials promised a review in March."
)
BEN_NOTE = "Seen first by the second analyst"


def mark(article, user, kind, words, **changes) -> Annotation:
    start = article.text.index(words)
    annotation = create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(words), exact=words
    )
    if changes:
        Annotation.objects.filter(pk=annotation.pk).update(**changes)
        annotation.refresh_from_db()
    return annotation


def team(project):
    return {
        "ana": member(project, Membership.Role.ANALYST, "ana_blind"),
        "ben": member(project, Membership.Role.ANALYST, "ben_blind"),
        "rita": member(project, Membership.Role.REVIEWER, "rita_blind"),
        "max": member(project, Membership.Role.MANAGER, "max_blind"),
    }


@pytest.fixture
def blind(db):
    """A blind project: ana and ben marked passages of the same article (of a story)."""
    project = ProjectFactory(blind=True)
    people = team(project)
    story = Story.objects.create(project=project, title="The plan")
    article = ArticleFactory(project=project, text=TEXT, story=story)
    ana = mark(article, people["ana"], "claim", "the plan works")
    ben = mark(article, people["ben"], "fact", "the budget is short", note=BEN_NOTE, status="approved")
    # An approved claim with a note.
    mark(article, people["ben"], "claim", "promised a review", note=BEN_NOTE, status="approved")
    add_comment(annotation=ben, user=people["rita"], body="Which budget exactly?")
    return {**people, "project": project, "article": article, "story": story, "ana_span": ana, "ben_span": ben}


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def workbench(client, article, **headers) -> str:
    response = client.get(reverse("annotations:workbench", args=[article.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def shows(html: str, annotation: Annotation) -> bool:
    return f'data-id="{annotation.pk}"' in html or f'data-label-for="{annotation.pk}"' in html


def test_an_analyst_of_a_blind_project_sees_only_their_own_annotations_in_the_workbench(blind):
    client = browser_for(blind["ana"])
    html = workbench(client, blind["article"])
    assert shows(html, blind["ana_span"])
    assert not shows(html, blind["ben_span"])
    assert "ben_blind" not in html  # neither in the list nor in the author filter
    assert '<span class="count">1</span>' in html

    partial = workbench(client, blind["article"], **{"HX-Request": "true", "HX-Target": "annotation-list"})
    assert shows(partial, blind["ana_span"]) and not shows(partial, blind["ben_span"])
    assert "ben_blind" not in partial


def test_a_change_re_renders_the_blocks_without_another_analysts_spans(blind):
    client = browser_for(blind["ana"])
    start = TEXT.index("budget")
    response = client.post(
        reverse("annotations:create", args=[blind["article"].pk]),
        {"kind": "quote", "start": start, "end": start + len("budget"), "exact": "budget"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The changed block is the one that holds ben's span too.
    assert f'id="block-{TEXT.index("Critics")}"' in html and 'hx-swap-oob="true"' in html
    assert not shows(html, blind["ben_span"])
    assert all(str(blind["ben_span"].pk) not in ids.split() for ids in re.findall(r'data-ids="([^"]*)"', html))


def test_another_analysts_annotation_is_not_found_by_its_address(blind):
    client = browser_for(blind["ana"])
    ben = blind["ben_span"]
    assert client.get(reverse("annotations:panel", args=[ben.pk])).status_code == 404
    assert client.post(reverse("annotations:comment-create", args=[ben.pk]), {"body": "Hello?"}).status_code == 404
    assert Comment.objects.filter(annotation=ben).count() == 1
    # The admin, with its history pages, is not the analysts'.
    assert client.get(reverse("admin:annotations_annotation_change", args=[ben.pk])).status_code != 200
    own = client.get(reverse("annotations:panel", args=[blind["ana_span"].pk]))
    assert own.status_code == 200 and "ben_blind" not in own.content.decode()


def test_the_api_answers_an_analyst_with_their_own_annotations_only(blind):
    api = api_client_for(blind["ana"])
    article, ben = blind["article"], blind["ben_span"]
    listed = api.get(f"/annotations?article={article.pk}").json()
    assert listed["count"] == 1 and [row["id"] for row in listed["items"]] == [blind["ana_span"].pk]
    assert api.get("/annotations?author=ben_blind").json()["count"] == 0
    assert api.get(f"/annotations/{ben.pk}").status_code == 404
    assert api.get(f"/annotations/{ben.pk}/comments").status_code == 404
    assert api.post(f"/annotations/{ben.pk}/comments", {"body": "Hello?"}).status_code == 404
    w3c = api.get(
        f"/annotations?article={article.pk}",
        headers={"Accept": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'},
    )
    assert w3c.status_code == 200 and BEN_NOTE not in w3c.content.decode() and "ben_blind" not in w3c.content.decode()
    assert w3c.json()["partOf"]["total"] == 1
    counted = api.get(f"/articles?project={blind['project'].pk}").json()["items"]
    assert [row["annotation_count"] for row in counted] == [1]
    assert api.get(f"/articles/{article.pk}").json()["annotation_count"] == 1


def test_an_analysts_repeated_span_concerns_only_their_own(blind):
    """The same passage marked alike by two analysts is two annotations; the 409 is for one's own repeat."""
    api = api_client_for(blind["ana"])
    words = "the budget is short"
    start = TEXT.index(words)
    body = {"article": blind["article"].pk, "kind": "fact", "start": start, "end": start + len(words), "exact": words}
    created = api.post("/annotations", body)
    assert created.status_code == 201, created.content
    again = api.post("/annotations", body)
    assert again.status_code == 409 and "You have already marked" in again.json()["message"]
    assert "ben_blind" not in again.content.decode()


@pytest.mark.parametrize("name", list(FORMATS))
def test_an_analysts_exports_hold_only_their_own_annotations(blind, name):
    client = browser_for(blind["ana"])
    for url in (
        reverse("exports:article", args=[blind["article"].pk, name]),
        reverse("exports:story", args=[blind["story"].pk, name]),
        reverse("exports:project", args=[blind["project"].pk, name]),
    ):
        response = client.get(url, {"status": "all"})
        # ClaimReview holds claims with a verdict: ana's is none's, and the page that says so names nobody else's.
        assert response.status_code == (422 if name == "claimreview" else 200)
        content = (
            b"".join(response.streaming_content).decode("utf-8-sig")
            if response.streaming
            else response.content.decode()
        )
        assert BEN_NOTE not in content and "ben_blind" not in content
        assert "FACT" not in content.upper()  # ben's span is the only fact


def test_a_reviewers_export_holds_everyones_annotations(blind):
    response = browser_for(blind["rita"]).get(reverse("exports:story", args=[blind["story"].pk, "csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert BEN_NOTE in content and "ana_blind" in content


def test_a_background_export_holds_what_the_user_who_started_it_sees(blind, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    job = start_export_job(
        fmt=FORMATS["csv"],
        selection=Selection(blind["project"].pk, viewer=blind["ana"]),
        user=blind["ana"],
        base_url="https://x.example",
    )
    assert job.total == 1
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    content = (settings.EXPORT_DIR / job.file_name).read_text("utf-8-sig")
    assert "ana_blind" in content and BEN_NOTE not in content and "ben_blind" not in content


def test_the_article_list_and_story_page_count_only_what_the_analyst_sees(blind):
    client = browser_for(blind["ana"])
    listed = client.get(reverse("articles:list"))
    assert [article.annotation_count for article in listed.context["page"].object_list] == [1]
    story = client.get(reverse("stories:detail", args=[blind["story"].pk]))
    assert story.status_code == 200 and "ben_blind" not in story.content.decode()


def test_replies_in_another_analysts_thread_are_not_counted_once_it_is_hidden_again(blind):
    """ana took part in ben's thread while the article was curated; once it is not, ben's
    replies there are no new replies of hers (nor is the thread listed)."""
    article = blind["article"]
    mark_curated(article=article, user=blind["rita"])
    ben_span = Annotation.objects.select_related("article").get(pk=blind["ben_span"].pk)
    add_comment(annotation=ben_span, user=blind["ana"], body="I see it differently.")
    mark_curated(article=article, user=blind["rita"], curated=False)
    add_comment(annotation=ben_span, user=blind["ben"], body="Why?")
    client = browser_for(blind["ana"])
    replies = client.get(reverse("annotations:unread")).content.decode()
    assert ">Replies<" in replies and "Why?" not in replies and "ben_blind" not in replies
    assert Comment.objects.unread_in_threads_of(blind["ana"]).count() == 0

    mark_curated(article=article, user=blind["rita"])
    assert Comment.objects.unread_in_threads_of(blind["ana"]).count() == 1


def test_reviewers_and_managers_see_everyones_annotations_with_their_authors(blind):
    for person in ("rita", "max"):
        html = workbench(browser_for(blind[person]), blind["article"])
        assert shows(html, blind["ana_span"]) and shows(html, blind["ben_span"])
        assert 'data-author="ana_blind" title="Claim by ana_blind"' in html
        assert 'data-author="ben_blind" title="Fact by ben_blind"' in html
    api = api_client_for(blind["rita"])
    assert api.get(f"/annotations?article={blind['article'].pk}").json()["count"] == 3
    assert api.get(f"/annotations/{blind['ben_span'].pk}/comments").status_code == 200


def test_once_a_reviewer_marks_the_article_curated_analysts_see_each_others_work(blind):
    article, ben = blind["article"], blind["ben_span"]
    reviewer = browser_for(blind["rita"])
    curation = reviewer.get(reverse("review:curation", args=[article.pk])).content.decode()
    assert "Mark curated" in curation and "The project is blind" in curation
    response = reviewer.post(reverse("review:curated", args=[article.pk]), {"curated": "1"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.curated_at is not None and article.curated_by == blind["rita"]
    assert "Curated " in reviewer.get(reverse("review:curation", args=[article.pk])).content.decode()

    client = browser_for(blind["ana"])
    html = workbench(client, article)
    assert shows(html, ben) and 'data-author="ben_blind"' in html
    assert 'data-author="ana_blind"' not in html  # one's own highlights carry no name
    assert client.get(reverse("annotations:panel", args=[ben.pk])).status_code == 200
    assert api_client_for(blind["ana"]).get(f"/annotations?article={article.pk}").json()["count"] == 3
    export = client.get(reverse("exports:article", args=[article.pk, "csv"]))
    assert BEN_NOTE in b"".join(export.streaming_content).decode("utf-8-sig")

    # And back: the history keeps both changes.
    reviewer.post(reverse("review:curated", args=[article.pk]), {"curated": "0"})
    assert not shows(workbench(client, article), ben)
    changes = list(article.history.order_by("pgh_id").values_list("curated_by", flat=True))
    assert changes[-2:] == [blind["rita"].pk, None]


def test_only_reviewers_and_managers_mark_an_article_curated(blind):
    article = blind["article"]
    with pytest.raises(PermissionDenied):
        mark_curated(article=article, user=blind["ana"])
    response = browser_for(blind["ana"]).post(reverse("review:curated", args=[article.pk]), {"curated": "1"})
    assert response.status_code in (302, 403) and not Article.objects.get(pk=article.pk).curated_at
    assert "/admin/login/" in response.get("Location", "/admin/login/")
    mark_curated(article=article, user=blind["max"])
    assert Article.objects.get(pk=article.pk).curated_by == blind["max"]


def test_the_one_rule_and_the_querysets_agree(blind):
    annotations = list(Annotation.objects.select_related("article"))
    for state in ("blind", "curated"):
        if state == "curated":
            mark_curated(article=blind["article"], user=blind["rita"])
            annotations = list(Annotation.objects.select_related("article"))
        for person in ("ana", "ben", "rita", "max"):
            user = blind[person]
            visible = set(Annotation.objects.visible_to(user).values_list("pk", flat=True))
            for annotation in annotations:
                assert user.has_perm("annotations.view_annotation", annotation) == (annotation.pk in visible), (
                    state,
                    person,
                )
            comments = set(Comment.objects.visible_to(user).values_list("annotation_id", flat=True))
            assert comments <= visible
        [ben_span] = [annotation for annotation in annotations if annotation.pk == blind["ben_span"].pk]
        ana_sees_ben = blind["ana"].has_perm("annotations.view_annotation", ben_span)
        assert ana_sees_ben is (state == "curated")


def test_a_project_that_is_not_blind_shows_everyones_work_as_before(db):
    project = ProjectFactory()
    people = team(project)
    article = ArticleFactory(project=project, text=TEXT)
    mark(article, people["ana"], "claim", "the plan works")
    ben = mark(article, people["ben"], "fact", "the budget is short", note=BEN_NOTE)
    client = browser_for(people["ana"])
    html = workbench(client, article)
    assert shows(html, ben) and 'data-author="ben_blind" title="Fact by ben_blind"' in html
    assert client.get(reverse("annotations:panel", args=[ben.pk])).status_code == 200
    assert api_client_for(people["ana"]).get(f"/annotations?article={article.pk}").json()["count"] == 2


def test_managers_switch_blind_mode_in_the_admin_and_its_history_and_the_agreement_page_say_so(blind):
    project = blind["project"]
    manager = browser_for(blind["max"])
    agreement = manager.get(reverse("review:agreement", args=[project.pk])).content.decode()
    assert "Blind project" in agreement and "annotations were made independently" in agreement

    url = reverse("admin:projects_project_change", args=[project.pk])
    form = manager.get(url)
    assert form.status_code == 200 and 'name="blind"' in form.content.decode()
    members = form.context["inline_admin_formsets"][0].formset.initial_forms
    data = {
        "name": project.name,
        "description": project.description,
        "memberships-TOTAL_FORMS": str(len(members)),
        "memberships-INITIAL_FORMS": str(len(members)),
    }
    for number, membership in enumerate(members):
        instance = membership.instance
        prefix = f"memberships-{number}-"
        data |= {prefix + "id": instance.pk, prefix + "user": instance.user_id, prefix + "role": instance.role}
        data[prefix + "project"] = project.pk
    saved = manager.post(url, data)
    assert saved.status_code == 302
    project.refresh_from_db()
    assert project.blind is False
    page = manager.get(url).content.decode()
    assert '<b>blind</b>: <del dir="auto">True</del> → <ins dir="auto">False</ins>' in page
    assert "max_blind" in page.split("Before → after", 1)[1]

    agreement = manager.get(reverse("review:agreement", args=[project.pk])).content.decode()
    assert "Not blind" in agreement and "could see each other" in agreement and "before then it was blind" in agreement

    # A reviewer may not change the project's settings.
    reviewer = browser_for(blind["rita"])
    assert reviewer.post(url, {**data, "blind": "on"}).status_code == 403
    assert Project.objects.get(pk=project.pk).blind is False


def test_a_version_accepted_in_curation_is_not_named_to_the_analyst_rejected_in_a_blind_project(blind):
    from apps.annotations.services import submit_annotation
    from apps.review.services import accept_version

    ana_span, ben_span = blind["ana_span"], blind["ben_span"]
    overlapping = mark(blind["article"], blind["ben"], "claim", "plan works")
    submit_annotation(annotation=overlapping, user=blind["ben"])
    submit_annotation(annotation=ana_span, user=blind["ana"])
    rejected = accept_version(annotation=ana_span, user=blind["rita"]).rejected
    assert [annotation.pk for annotation in rejected] == [overlapping.pk]
    panel = browser_for(blind["ben"]).get(reverse("annotations:panel", args=[overlapping.pk])).content.decode()
    assert "The version of this passage marked by another analyst was accepted in curation." in unescape(panel)
    assert "ana_blind" not in panel
    assert ben_span.pk != overlapping.pk


def test_a_source_another_analysts_link_brought_in_is_not_offered_until_curated(blind):
    from tests.factories import SourceFactory

    article = blind["article"]
    SourceFactory(project=blind["project"], name="Arkady Milstein")  # made by hand: everyone's
    linked = browser_for(blind["ben"]).post(
        reverse("annotations:link-create", args=[blind["ben_span"].pk]),
        {"role": "cited", "new_source_name": "Arkady Mil-Man", "new_source_kind": "person"},
    )
    assert linked.status_code == 200

    def offered(person) -> str:
        client = browser_for(blind[person])
        return client.get(reverse("annotations:source-search", args=[article.pk]), {"q": "arkady"}).content.decode()

    assert "Arkady Mil-Man" not in offered("ana") and "Arkady Milstein" in offered("ana")
    assert "Arkady Mil-Man" in offered("ben") and "Arkady Mil-Man" in offered("rita")
    names = [row["name"] for row in api_client_for(blind["ana"]).get("/sources?q=arkady").json()["items"]]
    assert names == ["Arkady Milstein"]
    mark_curated(article=article, user=blind["rita"])
    assert "Arkady Mil-Man" in offered("ana")


def test_the_changed_blocks_spans_are_those_the_scoped_query_gives_each_user(blind):
    """The statement behind a span create's answer, compiled once per scope, agrees with the
    querysets' rule for every reader, before and after curation, deleted annotations left out."""
    article = blind["article"]
    deleted = mark(article, blind["ana"], "fact", "works", deleted_at=blind["ben_span"].created_at)
    superuser = get_user_model().objects.create(username="root", is_superuser=True)
    windows = [(0, len(article.text)), (0, 10), (article.text.index("budget"), article.text.index("budget") + 3)]

    def agree():
        for user in (blind["ana"], blind["ben"], blind["rita"], superuser):
            forget_roles(user)
            for start, end in windows:
                scoped = article.annotations.live().open_to(user).filter(start__lt=end, end__gt=start)
                assert overlapping_spans(article, user, start, end) == spans(scoped)

    agree()
    assert deleted.pk not in {span.pk for span in overlapping_spans(article, superuser, 0, len(article.text))}
    mark_curated(article=article, user=blind["rita"])
    article.refresh_from_db()
    agree()
