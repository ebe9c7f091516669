"""The review desk's project pages: who gets in, what they show, and curation's one write path."""

import pytest
from django.urls import reverse

from apps.annotations.models import Annotation, AnnotationEvent
from apps.annotations.services import delete_annotation
from apps.projects.models import Membership
from apps.review.services import accept_version
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, ProjectFactory
from tests.test_pages import html_problems

TEXT = "The mayor said the bridge reopens in May.\nCritics <b>doubt</b> it will."


@pytest.fixture
def desk(project, analyst, other_analyst, reviewer):
    """An article two analysts marked: one passage alike, one with other ends, one only the first saw."""
    manager = member(project, Membership.Role.MANAGER, "manager1")
    article = ArticleFactory(project=project, title="Bridge <script>alert(1)</script>", text=TEXT)

    def mark(user, start, end, kind="claim"):
        return AnnotationFactory(article=article, created_by=user, kind=kind, start=start, end=end, status="submitted")

    marks = {
        "mayor-1": mark(analyst, 0, 9),  # "The mayor"
        "mayor-2": mark(other_analyst, 0, 9),
        "bridge-1": mark(analyst, 15, 41),  # "the bridge reopens in May."
        "bridge-2": mark(other_analyst, 19, 40),  # "bridge reopens in May"
        "critics-1": mark(analyst, 42, 49, "quote"),  # "Critics"
        "own-nested": mark(analyst, 19, 25),  # the first analyst's own other passage inside "bridge"
    }
    return {"manager": manager, "reviewer": reviewer, "analyst": analyst, "article": article, **marks}


def urls(project, article):
    return [
        reverse("review:dashboard", args=[project.pk]),
        reverse("review:agreement", args=[project.pk]),
        reverse("review:curation", args=[article.pk]),
    ]


@pytest.mark.parametrize("who", ["manager", "reviewer"])
def test_reviewers_and_managers_read_every_page_as_valid_html(client, project, desk, who):
    client.force_login(desk[who])
    for url in [reverse("review:index"), reverse("admin:index"), *urls(project, desk["article"])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert html_problems(response.content.decode()) == [], url


def test_user_text_is_shown_never_run(client, project, desk):
    client.force_login(desk["manager"])
    for url in urls(project, desk["article"])[1:]:
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page, url
    curation = client.get(urls(project, desk["article"])[2]).content.decode()
    assert "<b>doubt</b>" not in curation and "&lt;b&gt;doubt&lt;/b&gt;" in curation


def test_the_admin_index_links_the_projects_the_user_reviews_only(client, project, desk):
    elsewhere = ProjectFactory(name="Elsewhere")
    client.force_login(desk["reviewer"])
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("review:dashboard", args=[project.pk]) in page
    assert reverse("review:agreement", args=[project.pk]) in page
    assert reverse("review:dashboard", args=[elsewhere.pk]) not in page


def test_a_reviewer_of_another_project_finds_nothing_here(client, project, desk):
    stranger = member(ProjectFactory(name="Other desk"), Membership.Role.REVIEWER, "stranger")
    client.force_login(stranger)
    for url in urls(project, desk["article"]):
        assert client.get(url).status_code == 404, url
    response = client.post(urls(project, desk["article"])[2], {"accept": desk["mayor-1"].pk})
    assert response.status_code == 404
    assert set(Annotation.objects.values_list("status", flat=True)) == {"submitted"}
    assert reverse("review:dashboard", args=[project.pk]) not in client.get(reverse("review:index")).content.decode()


def test_analysts_do_not_get_these_pages_and_cannot_accept(client, project, desk):
    client.force_login(desk["analyst"])
    for url in [reverse("review:index"), *urls(project, desk["article"])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    client.post(urls(project, desk["article"])[2], {"accept": desk["mayor-1"].pk})
    assert set(Annotation.objects.values_list("status", flat=True)) == {"submitted"}


def test_an_analyst_here_who_reviews_elsewhere_is_refused(client, project, desk):
    """The admin lets them in (they review another project); this project's pages refuse them."""
    analyst = desk["analyst"]
    MembershipFactory(project=ProjectFactory(name="Their desk"), user=analyst, role=Membership.Role.REVIEWER)
    client.force_login(analyst)
    for url in urls(project, desk["article"]):
        assert client.get(url).status_code == 403, url
    response = client.post(urls(project, desk["article"])[2], {"accept": desk["mayor-1"].pk})
    assert response.status_code == 403
    assert set(Annotation.objects.values_list("status", flat=True)) == {"submitted"}


def test_curation_shows_the_analysts_side_by_side(client, project, desk):
    client.force_login(desk["reviewer"])
    page = client.get(urls(project, desk["article"])[2]).content.decode()
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header.index("analyst1") < header.index("analyst2")
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr ")[1:]
    # In text order: the mayor (same span), the bridge (different ends), the first analyst's own
    # nested passage falls into the bridge's, Critics (a quote only the first analyst marked).
    assert [row.split('class="')[1].split('"')[0] for row in rows] == ["agreed", "different", "partial"]
    assert "not marked" in rows[2]
    assert '<mark class="hl hl-claim"' in rows[0]


def test_accepting_a_version_approves_it_and_rejects_the_competing_ones(client, project, desk):
    client.force_login(desk["reviewer"])
    url = urls(project, desk["article"])[2]
    response = client.post(url, {"accept": desk["bridge-2"].pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"{url}#version-{desk['bridge-2'].pk}"
    assert "2 other versions rejected" in response.content.decode()

    def state(name):
        annotation = Annotation.objects.get(pk=desk[name].pk)
        return annotation.status, annotation.reviewed_by

    assert state("bridge-2") == ("approved", desk["reviewer"])
    assert state("bridge-1") == ("rejected", desk["reviewer"])
    # Every other analyst's claim overlapping the accepted one competes with it, the nested one too;
    # other passages and other kinds stay as they were.
    assert state("own-nested")[0] == "rejected"
    assert state("mayor-1")[0] == state("mayor-2")[0] == "submitted"
    assert state("critics-1")[0] == "submitted"
    reasons = dict(AnnotationEvent.objects.filter(action="rejected").values_list("annotation_id", "comment"))
    assert reasons[desk["bridge-1"].pk] == "The version of this passage marked by analyst2 was accepted in curation."
    assert AnnotationEvent.objects.get(annotation=desk["bridge-2"], action="approved").actor == desk["reviewer"]


def test_accepting_a_same_span_row_approves_every_analysts_identical_annotation(client, project, desk):
    """Agreement is not punished: the other analyst's identical annotation (same kind, same
    characters) is approved with the accepted one, and only different versions are rejected."""
    client.force_login(desk["reviewer"])
    url = urls(project, desk["article"])[2]
    # A third analyst marked the mayor one character longer: a different version of the passage.
    third = member(project, Membership.Role.ANALYST, "analyst3")
    longer = AnnotationFactory(article=desk["article"], created_by=third, start=0, end=10, status="submitted")
    # The same characters as a quote are another kind: another passage, left alone.
    quote = AnnotationFactory(
        article=desk["article"], created_by=desk["analyst"], kind="quote", start=0, end=9, status="submitted"
    )
    response = client.post(url, {"accept": desk["mayor-1"].pk}, follow=True)
    page = response.content.decode()
    assert "The claim marked by analyst1 is approved with 1 identical version; 1 other version rejected." in page

    def status(annotation):
        return Annotation.objects.get(pk=annotation.pk).status

    assert status(desk["mayor-1"]) == status(desk["mayor-2"]) == "approved"
    assert Annotation.objects.get(pk=desk["mayor-2"].pk).reviewed_by == desk["reviewer"]
    assert not AnnotationEvent.objects.filter(annotation=desk["mayor-2"], action="rejected").exists()
    assert AnnotationEvent.objects.get(annotation=desk["mayor-2"], action="approved").comment == (
        "The same passage was accepted in curation, as marked by analyst1."
    )
    assert status(longer) == "rejected"
    assert AnnotationEvent.objects.get(annotation=longer, action="rejected").comment == (
        "The version of this passage marked by analyst1 was accepted in curation."
    )
    assert status(quote) == "submitted"
    # The agreeing versions are settled: neither is offered for accepting any more.
    row = next(row for row in page.split("<tr ") if f'id="version-{desk["mayor-1"].pk}"' in row)
    assert "Accept this version" not in row.split(f'id="version-{longer.pk}"')[0]
    assert "Accept this version" in row.split(f'id="version-{longer.pk}"')[1]


def test_in_a_blind_project_an_identical_version_is_approved_without_naming_whose_was_accepted(client, project, desk):
    project.blind = True
    project.save(update_fields=["blind"])
    client.force_login(desk["reviewer"])
    client.post(urls(project, desk["article"])[2], {"accept": desk["mayor-1"].pk})
    approval = AnnotationEvent.objects.get(annotation=desk["mayor-2"], action="approved")
    assert approval.comment == "Accepted in curation."
    assert Annotation.objects.get(pk=desk["mayor-2"].pk).status == "approved"


def test_accepting_is_made_from_the_version_the_page_showed(client, project, desk):
    """Two reviewers curating the passage at once: the second's accept is refused with what it is now."""
    client.force_login(desk["reviewer"])
    url = urls(project, desk["article"])[2]
    page = client.get(url).content.decode()
    accept = page.split(f'value="{desk["bridge-1"].pk}"')[0].rsplit("<form", 1)[1]
    assert '<input type="hidden" name="version" value="1">' in accept
    # Meanwhile the manager accepts the other analyst's version, which rejects this one.
    accept_version(annotation=desk["bridge-2"], user=desk["manager"], seen_version=1)
    response = client.post(url, {"accept": desk["bridge-1"].pk, "version": 1})
    assert response.status_code == 409
    assert "It changed after the version you saw (1): it is rejected now (version 2, rejected by manager1)." in (
        response.content.decode()
    )
    assert Annotation.objects.get(pk=desk["bridge-1"].pk).status == "rejected"
    assert Annotation.objects.get(pk=desk["bridge-2"].pk).status == "approved"
    assert AnnotationEvent.objects.filter(annotation=desk["bridge-2"]).count() == 1  # approved once, never rejected


def test_accept_refuses_bad_input_with_a_message(client, project, desk):
    client.force_login(desk["reviewer"])
    url = urls(project, desk["article"])[2]
    response = client.post(url, {"accept": "first"})
    assert response.status_code == 422
    assert "Enter a whole number" in response.content.decode()
    assert html_problems(response.content.decode()) == []
    assert client.post(url, {}).status_code == 422
    elsewhere = AnnotationFactory(article=ArticleFactory(project=project, text="Another article."))
    assert client.post(url, {"accept": elsewhere.pk}).status_code == 404
    assert client.post(url, {"accept": 10**12}).status_code == 404
    assert client.post(url, {"accept": 10**30}).status_code == 404
    assert client.put(url).status_code == 405
    # A draft is still its author's; curation decides only what was submitted.
    draft = AnnotationFactory(article=desk["article"], created_by=desk["analyst"], start=50, end=55)
    response = client.post(url, {"accept": draft.pk, "version": draft.version})
    assert response.status_code == 422 and "has not submitted it" in response.content.decode()
    # Without the version the page showed, it is accepted only while submitted.
    response = client.post(url, {"accept": draft.pk})
    assert response.status_code == 409 and "It is a draft now (version 1), not submitted." in response.content.decode()
    assert Annotation.objects.get(pk=draft.pk).status == "draft"
    huge = "9" * 30
    for page in (f"/admin/review/project/{huge}/dashboard/", f"/admin/review/article/{huge}/curation/"):
        assert client.get(page).status_code == 404, page
    assert client.get(reverse("review:agreement", args=[project.pk]) + "?page=last-but-one").status_code == 200
    desk_rows = Annotation.objects.filter(article=desk["article"]).exclude(pk=draft.pk)
    assert set(desk_rows.values_list("status", flat=True)) == {"submitted"}


@pytest.mark.django_db(transaction=True)
def test_dashboard_costs_the_same_queries_whatever_the_data(client, project, desk, django_assert_num_queries):
    """Committed as a web request commits: within one transaction every change is newer than any
    figures worked out in it, so nothing would stay kept."""
    client.force_login(desk["manager"])
    url = reverse("review:dashboard", args=[project.pk])
    # Worked out: session, user with roles, project, the articles with their kept figures (none),
    # the oldest running transaction, then the changed articles' annotations, texts, counts and
    # history (in a transaction of its own, with the sort memory set for it), storing the figures
    # and forgetting the changes they show; then the authors' names.
    with django_assert_num_queries(15):
        client.get(url)
    # Kept: session, user, project, the articles with their kept figures, the names still the same.
    with django_assert_num_queries(5):
        client.get(url)
    for n in range(5):
        article = ArticleFactory(project=project, text=f"More text {n}.")
        AnnotationFactory(article=article, created_by=desk["analyst"])
    with django_assert_num_queries(15):  # the changed articles' only
        client.get(url)
    with django_assert_num_queries(5):
        client.get(url)


def test_kept_figures_follow_every_change_made_through_the_services(client, project, desk):
    client.force_login(desk["reviewer"])
    dashboard = reverse("review:dashboard", args=[project.pk])
    agreement = reverse("review:agreement", args=[project.pk])
    assert "6 live annotations" in client.get(dashboard).content.decode()
    # analyst1 marked 4 spans (3 claims, a quote), analyst2 2 claims; exactly the same: the mayor.
    # F1 on exact spans over all kinds = 2·1 / (4 + 2) = 0.33.
    assert "F1 0.33 on exact spans" in client.get(agreement).content.decode()
    client.post(reverse("review:curation", args=[desk["article"].pk]), {"accept": desk["critics-1"].pk})
    quotes = '<th scope="row">Quote</th><td>0</td><td>0</td><td>1</td><td>0</td><td>1</td>'  # approved now
    assert quotes in client.get(dashboard).content.decode()
    delete_annotation(annotation=desk["mayor-2"], user=desk["reviewer"])
    assert "5 live annotations" in client.get(dashboard).content.decode()
    assert "F1 0.00 on exact spans" in client.get(agreement).content.decode()
