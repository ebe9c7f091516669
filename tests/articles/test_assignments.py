"""Assignments and done marks: who may give out articles, to whom, what an analyst's list and the
workbench show, and the review desk's progress per analyst."""

import re
from html import unescape

import pytest
import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.articles.models import Assignment, AssignmentHistory, DoneMark, DoneMarkHistory
from apps.articles.services import assign_articles, mark_done, unassign_articles, unmark_done
from apps.projects.models import Membership
from apps.projects.services import remove_member
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.test_pages import html_problems


@pytest.fixture
def manager(project):
    return member(project, Membership.Role.MANAGER, "manager1")


@pytest.fixture
def articles(project):
    return [ArticleFactory(project=project, title=f"Article {n}") for n in range(4)]


def assigned_pairs() -> set[tuple[str, str]]:
    return set(Assignment.objects.values_list("article__title", "user__username"))


def rows(response) -> list[list[str]]:
    """The article table as its cells' text, one list per article."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# The one rule


@pytest.mark.parametrize(
    ("who", "may_assign", "works_on"),
    [("analyst", False, True), ("reviewer", True, True), ("manager", True, True), ("outsider", False, False)],
)
def test_reviewers_and_managers_assign_and_members_work_on_articles(request, article, who, may_assign, works_on):
    user = request.getfixturevalue(who)
    assert user.has_perm("articles.assign_article", article) is may_assign
    assert rules.test_rule("articles.works_on_article", user, article) is works_on


def test_a_superuser_assigns_but_is_given_no_article_outside_their_projects(article):
    root = UserFactory(username="root", is_superuser=True)
    assert root.has_perm("articles.assign_article", article)
    assert not rules.test_rule("articles.works_on_article", root, article)


# Services


def test_a_reviewer_assigns_articles_to_several_members_once_each(articles, reviewer, analyst, other_analyst):
    new = assign_articles(articles=articles[:2], users=[analyst, other_analyst], by=reviewer)
    assert len(new) == 4
    again = assign_articles(articles=articles[:3], users=[analyst], by=reviewer)
    assert [(a.article.title, a.user.username) for a in again] == [("Article 2", "analyst1")]
    assert assigned_pairs() == {
        ("Article 0", "analyst1"),
        ("Article 0", "analyst2"),
        ("Article 1", "analyst1"),
        ("Article 1", "analyst2"),
        ("Article 2", "analyst1"),
    }
    assert set(Assignment.objects.values_list("assigned_by__username", flat=True)) == {"reviewer1"}
    assert AssignmentHistory.objects.filter(pgh_label="created").count() == 5


def test_a_manager_assigns_and_takes_back(articles, manager, analyst):
    assign_articles(articles=articles[:2], users=[analyst], by=manager)
    assert unassign_articles(articles=articles[:1], users=[analyst], by=manager) == 1
    assert assigned_pairs() == {("Article 1", "analyst1")}
    assert list(AssignmentHistory.objects.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "created",
        "created",
        "deleted",
    ]


def test_an_analyst_assigns_nothing_and_takes_nothing_back(articles, analyst, other_analyst, reviewer):
    with pytest.raises(PermissionDenied):
        assign_articles(articles=articles, users=[analyst], by=analyst)
    with pytest.raises(PermissionDenied):
        assign_articles(articles=articles, users=[other_analyst], by=analyst)
    assign_articles(articles=articles[:1], users=[analyst], by=reviewer)
    with pytest.raises(PermissionDenied):
        unassign_articles(articles=articles, users=[analyst], by=analyst)
    assert assigned_pairs() == {("Article 0", "analyst1")}


def test_nobody_outside_the_project_is_assigned(articles, reviewer, analyst, outsider):
    stranger = UserFactory(username="stranger")
    for user in (stranger, outsider):
        with pytest.raises(ValidationError, match="is not a member of the project"):
            assign_articles(articles=articles, users=[analyst, user], by=reviewer)
    assert not Assignment.objects.exists()


def test_a_reviewer_of_another_project_assigns_nothing_here(articles, analyst):
    elsewhere = member(ProjectFactory(), Membership.Role.REVIEWER, "reviewer-elsewhere")
    with pytest.raises(PermissionDenied):
        assign_articles(articles=articles, users=[analyst], by=elsewhere)
    assert not Assignment.objects.exists()


def test_the_database_refuses_an_assignment_or_mark_of_a_non_member(project, article, outsider):
    for model in (Assignment, DoneMark):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(project=project, article=article, user=outsider)
        # Naming the outsider's own project instead: not the article's project.
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(project=outsider.memberships.get().project, article=article, user=outsider)
    assert not Assignment.objects.exists() and not DoneMark.objects.exists()


def test_removing_a_member_removes_their_assignments_and_marks(project, article, manager, analyst, other_analyst):
    assign_articles(articles=[article], users=[analyst, other_analyst], by=manager)
    mark_done(article=article, user=analyst)
    remove_member(project=project, user=analyst, by=manager)
    assert assigned_pairs() == {(article.title, "analyst2")}
    assert not DoneMark.objects.exists()
    assert AssignmentHistory.objects.filter(pgh_label="deleted", user=analyst).count() == 1


def test_done_marks_toggle_and_keep_their_history(article, analyst):
    first = mark_done(article=article, user=analyst)
    assert mark_done(article=article, user=analyst) == first
    unmark_done(article=article, user=analyst)
    unmark_done(article=article, user=analyst)
    assert not DoneMark.objects.exists()
    assert list(DoneMarkHistory.objects.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "created",
        "deleted",
    ]


def test_only_members_mark_done(article, outsider):
    root = UserFactory(username="root", is_superuser=True)
    for user in (outsider, root):
        with pytest.raises(PermissionDenied):
            mark_done(article=article, user=user)
    assert not DoneMark.objects.exists()


# Assigning from the article list


def assign_form(project, articles, users, action="assign", next_address=""):
    data = {"project": project.pk, "articles": [a.pk for a in articles], "users": [u.pk for u in users]}
    return {**data, "action": action, "next": next_address or f"/articles/?project={project.pk}"}


def test_a_reviewer_ticks_articles_on_the_list_and_picks_members_by_name(
    client, project, articles, reviewer, analyst, outsider
):
    MembershipFactory(project=ProjectFactory(), user=UserFactory(username="elsewhere"))
    client.force_login(reviewer)
    page = client.get("/articles/", {"project": project.pk})
    html = page.content.decode()
    assert html_problems(html) == []
    picker = re.search(r'<div class="assignees">(.*?)</div>\s*<button', html, re.S).group(1)
    assert re.findall(r"</?input[^>]*>\s*([^<]+?)\s*</label>", picker) == ["analyst1", "reviewer1"]
    assert "outsider" not in html and "elsewhere" not in html
    assert html.count('name="articles"') == 4

    response = client.post(reverse("articles:assign"), assign_form(project, articles[:2], [analyst]))
    assert response.status_code == 302
    assert response["Location"] == f"/articles/?project={project.pk}"
    assert assigned_pairs() == {("Article 0", "analyst1"), ("Article 1", "analyst1")}
    html = client.get(response["Location"]).content.decode()
    assert "2 articles assigned to analyst1." in html

    response = client.post(reverse("articles:assign"), assign_form(project, articles[:3], [analyst, reviewer]))
    html = client.get(response["Location"]).content.decode()
    assert "3 articles assigned to analyst1, reviewer1. 2 of these assignments were there already." in html
    response = client.post(reverse("articles:assign"), assign_form(project, articles[:1], [analyst]))
    assert "1 article already assigned to analyst1." in client.get(response["Location"]).content.decode()

    response = client.post(reverse("articles:assign"), assign_form(project, articles[:1], [analyst], "unassign"))
    assert response.status_code == 302
    assert "1 assignment taken back from analyst1." in client.get(response["Location"]).content.decode()
    assert len(assigned_pairs()) == 5 and ("Article 0", "analyst1") not in assigned_pairs()


def test_assigning_on_the_list_needs_a_project_and_a_reviewer(client, project, articles, analyst, reviewer):
    client.force_login(reviewer)
    assert 'name="articles"' not in client.get("/articles/").content.decode()  # which project's members?
    client.force_login(analyst)
    assert 'name="articles"' not in client.get("/articles/", {"project": project.pk}).content.decode()
    response = client.post(reverse("articles:assign"), assign_form(project, articles, [analyst]))
    assert response.status_code == 403
    assert "reviewers and managers assign" in response.content.decode()
    assert not Assignment.objects.exists()


def test_another_projects_reviewer_finds_no_project_to_assign_in(client, project, articles, analyst):
    client.force_login(member(ProjectFactory(), Membership.Role.REVIEWER, "reviewer-elsewhere"))
    response = client.post(reverse("articles:assign"), assign_form(project, articles, [analyst]))
    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_a_non_member_or_another_projects_article_is_refused_with_the_reason(
    client, project, articles, reviewer, analyst, outsider
):
    client.force_login(reviewer)
    refusals = [
        (assign_form(project, articles, [outsider]), "Select a valid choice"),
        (assign_form(project, [ArticleFactory()], [analyst]), "Select a valid choice"),
        (assign_form(project, [], [analyst]), "Choose the articles"),
        (assign_form(project, articles, []), "Choose whom to assign them to"),
        ({**assign_form(project, articles, [analyst]), "articles": ["x", "99999999999999999999"]}, "valid"),
        ({**assign_form(project, articles, [analyst]), "action": "delete"}, "Select a valid choice"),
    ]
    for data, reason in refusals:
        response = client.post(reverse("articles:assign"), data)
        assert response.status_code == 422, data
        html = response.content.decode()
        assert reason in unescape(html), data
        assert html_problems(html) == [], data
    assert client.post(reverse("articles:assign"), {**refusals[0][0], "project": "x"}).status_code == 400
    assert client.post(reverse("articles:assign"), {**refusals[0][0], "project": "9" * 20}).status_code == 404
    assert not Assignment.objects.exists()


def test_a_refused_assignment_keeps_the_ticks_and_the_list_it_came_from(client, project, articles, reviewer, outsider):
    client.force_login(reviewer)
    address = f"/articles/?project={project.pk}&q=Article+1"
    response = client.post(
        reverse("articles:assign"), assign_form(project, articles[1:2], [outsider], "assign", address)
    )
    assert response.status_code == 422
    assert [row[1] for row in rows(response)] == ["Article 1"]
    assert f'value="{articles[1].pk}" form="assignment-form" aria-label="Select Article 1" checked' in (
        response.content.decode()
    )
    # Anywhere else is no place to go back to.
    data = assign_form(project, articles[1:2], [reviewer], "assign", "https://evil.example/articles/")
    assert client.post(reverse("articles:assign"), data)["Location"] == f"/articles/?project={project.pk}"


# The analyst's list


def test_the_analysts_list_shows_their_articles_first_to_do_before_done(
    analyst_client, project, articles, reviewer, analyst, other_analyst
):
    # Article 3 is the newest, so the first of the list without assignments.
    assign_articles(articles=[articles[0], articles[1], articles[2]], users=[analyst], by=reviewer)
    assign_articles(articles=[articles[3]], users=[other_analyst], by=reviewer)
    mark_done(article=articles[2], user=analyst)
    mark_done(article=articles[3], user=other_analyst)

    response = analyst_client.get("/articles/")
    assert [(row[0], row[-2], row[-1]) for row in rows(response)] == [
        ("Article 1", "analyst1", "Assigned to you to do"),
        ("Article 0", "analyst1", "Assigned to you to do"),
        ("Article 2", "analyst1 ✓", "Assigned to you done ✓"),
        ("Article 3", "analyst2 ✓", "–"),
    ]
    assert "Assigned to me (3)" in response.content.decode()

    response = analyst_client.get("/articles/", {"assigned": "me", "q": "article"})
    assert [row[0] for row in rows(response)] == ["Article 1", "Article 0", "Article 2"]
    assert 'name="assigned" value="me" checked' in response.content.decode()

    other = ProjectFactory()
    MembershipFactory(project=other, user=analyst)
    ArticleFactory(project=other, title="Elsewhere")
    response = analyst_client.get("/articles/", {"assigned": "me", "project": other.pk})
    assert rows(response) == [["No articles match. Show all."]]


def test_without_assignments_the_list_is_newest_first(analyst_client, project, articles):
    assert [row[0] for row in rows(analyst_client.get("/articles/"))] == [
        "Article 3",
        "Article 2",
        "Article 1",
        "Article 0",
    ]


def test_pages_run_on_from_the_assigned_articles_into_the_others(analyst_client, project, reviewer, analyst):
    articles = ArticleFactory.create_batch(56, project=project)  # the last is the newest
    mine = articles[3:55]
    assign_articles(articles=mine, users=[analyst], by=reviewer)
    for article in mine[:2]:
        mark_done(article=article, user=analyst)
    newest_first = list(reversed(articles))
    expected = [a for a in newest_first if a in mine[2:]] + mine[1::-1] + [a for a in newest_first if a not in mine]
    first = analyst_client.get("/articles/")
    second = analyst_client.get("/articles/", {"page": 2})
    assert [row[0] for row in rows(first) + rows(second)] == [a.title for a in expected]
    assert [row[-1] for row in rows(second)] == ["Assigned to you done ✓"] * 2 + ["–"] * 4
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("size", [5, 60])
def test_the_list_with_assignments_costs_the_same_queries_at_any_size(
    analyst_client, project, reviewer, analyst, other_analyst, size, django_assert_num_queries
):
    articles = ArticleFactory.create_batch(size, project=project)
    assign_articles(articles=articles[::2], users=[analyst, other_analyst], by=reviewer)
    for article in articles[::4]:
        mark_done(article=article, user=analyst)
    with django_assert_num_queries(5):  # session, user with their roles, facets with the count, page, new replies
        response = analyst_client.get("/articles/")
    assert len(rows(response)) == min(size, 50)
    assert rows(response)[0][-1] == "Assigned to you to do"


# The workbench's done mark


def test_the_workbench_loads_the_done_mark_of_the_signed_in_user(analyst_client, article, reviewer, analyst):
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("articles:done", args=[article.pk])}" hx-trigger="load"' in html

    assign_articles(articles=[article], users=[analyst], by=reviewer)
    url = reverse("articles:done", args=[article.pk])
    fragment = analyst_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Assigned to you by reviewer1" in fragment and "Mark as done" in fragment
    assert html_problems(fragment, container="header") == []

    fragment = analyst_client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "Done ✓" in fragment and "(undo)" in fragment and "Mark as done" not in fragment
    assert list(DoneMark.objects.values_list("user__username", flat=True)) == ["analyst1"]
    assert html_problems(fragment, container="header") == []

    fragment = analyst_client.post(url, {"done": "no"}, headers={"HX-Request": "true"}).content.decode()
    assert "Mark as done" in fragment and "Done ✓" not in fragment
    assert not DoneMark.objects.exists()

    # Without JavaScript the form leads back to the workbench.
    response = analyst_client.post(url)
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert DoneMark.objects.count() == 1


def test_a_done_mark_is_the_users_own(client, article, analyst, other_analyst, outsider):
    mark_done(article=article, user=other_analyst)
    client.force_login(analyst)
    url = reverse("articles:done", args=[article.pk])
    assert "Mark as done" in client.get(url).content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    assert "Mark as done" not in client.get(url).content.decode()
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "Only members of the project mark its articles done." in response.content.decode()
    assert list(DoneMark.objects.values_list("user__username", flat=True)) == ["analyst2"]


def test_marking_done_needs_the_csrf_token(article, analyst):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post(reverse("articles:done", args=[article.pk])).status_code == 403
    assert not DoneMark.objects.exists()


# Progress on the review desk


@pytest.fixture
def progress_data(project, reviewer, analyst, other_analyst, outsider):
    """analyst1: 3 of their articles, 1 done (and a done one not theirs); 2 live annotations here,
    1 deleted, 1 in another project. analyst2: nothing. A manager without work."""
    manager = member(project, Membership.Role.MANAGER, "manager1")
    articles = ArticleFactory.create_batch(4, project=project)
    assign_articles(articles=articles[:3], users=[analyst], by=reviewer)
    mark_done(article=articles[0], user=analyst)
    mark_done(article=articles[3], user=analyst)
    AnnotationFactory(article=articles[0], created_by=analyst)
    AnnotationFactory(article=articles[1], created_by=analyst)
    AnnotationFactory(article=articles[2], created_by=analyst, deleted_at="2026-01-01T00:00Z")
    elsewhere = ArticleFactory(project=outsider.memberships.get().project)
    MembershipFactory(project=elsewhere.project, user=analyst)
    AnnotationFactory(article=elsewhere, created_by=analyst)
    return {"manager": manager, "articles": articles}


def progress_rows(response) -> list[list[str]]:
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_progress_page_counts_done_of_assigned_and_annotations_per_analyst(
    client, project, progress_data, reviewer
):
    client.force_login(reviewer)
    response = client.get(reverse("review:progress", args=[project.pk]))
    assert response.status_code == 200
    assert progress_rows(response) == [
        ["analyst1", "Analyst", "1 of 3 done", "2"],
        ["analyst2", "Analyst", "0 of 0 done", "0"],
    ]
    html = response.content.decode()
    assert "1 of 3 assigned articles done." in html
    assert html_problems(html) == []
    assert reverse("review:progress", args=[project.pk]) in client.get(reverse("review:index")).content.decode()
    assert Annotation.objects.count() == 4


def test_progress_is_for_the_projects_reviewers_only(client, project, progress_data, analyst):
    url = reverse("review:progress", args=[project.pk])
    client.force_login(member(ProjectFactory(), Membership.Role.REVIEWER, "reviewer-elsewhere"))
    assert client.get(url).status_code == 404
    client.force_login(analyst)  # analysts do not get the admin
    assert client.get(url).status_code == 302
    client.force_login(progress_data["manager"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("scale", [1, 8])
@pytest.mark.django_db(transaction=True)  # committed as requests commit: see figures.py
def test_progress_costs_the_same_queries_at_any_size(client, project, reviewer, scale, django_assert_num_queries):
    analysts = [member(project, Membership.Role.ANALYST, f"analyst-{n}") for n in range(2 * scale)]
    articles = ArticleFactory.create_batch(5 * scale, project=project)
    assign_articles(articles=articles, users=analysts, by=reviewer)
    for user in analysts[::2]:
        for article in articles[::3]:
            mark_done(article=article, user=user)
            AnnotationFactory(article=article, created_by=user)
    client.force_login(reviewer)
    # session, user with their roles, project, the members with their assignments and done marks,
    # then the annotations per author: the articles with their review figures kept, which are
    # worked out (the oldest running transaction, the annotations, the texts two analysts marked,
    # the counts and the history in a transaction of their own with its sort memory, storing them
    # and forgetting the changes they show)
    with django_assert_num_queries(15):
        response = client.get(reverse("review:progress", args=[project.pk]))
    done = len(articles[::3])
    assert progress_rows(response)[0] == ["analyst-0", "Analyst", f"{done} of {5 * scale} done", str(done)]
    assert len(progress_rows(response)) == 2 * scale
    # The annotations per author are kept while none changes: the articles' figures, still fresh.
    with django_assert_num_queries(5):
        assert progress_rows(client.get(reverse("review:progress", args=[project.pk]))) == progress_rows(response)


def test_progress_counts_new_work_at_once(client, project, progress_data, reviewer, analyst):
    client.force_login(reviewer)
    url = reverse("review:progress", args=[project.pk])
    assert progress_rows(client.get(url))[0] == ["analyst1", "Analyst", "1 of 3 done", "2"]
    mark_done(article=progress_data["articles"][1], user=analyst)
    AnnotationFactory(article=progress_data["articles"][3], created_by=analyst)
    assert progress_rows(client.get(url))[0] == ["analyst1", "Analyst", "2 of 3 done", "3"]
