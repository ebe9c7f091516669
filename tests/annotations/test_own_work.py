"""Separation of duties: a reviewer or manager never decides on an annotation they made, in the
workbench, the API, the admin (its page, its queue, its bulk actions) or curation; a project of
one person may allow it (Project.self_review, off by default, recorded in the project's history)."""

import itertools

import pytest
from django.urls import reverse

from apps.annotations.models import Annotation, AnnotationEvent
from apps.annotations.services import Decision, OwnWork, review_annotation, update_annotation
from apps.projects.models import Membership, ProjectHistory
from apps.projects.services import update_project
from tests.api.conftest import api_client_for
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, UserFactory

TEXT = "The mayor said the bridge reopens in May. Critics doubt it."
OWN_WORK = "You made this annotation, so another reviewer or manager decides on it"


@pytest.fixture
def desk(project, analyst, reviewer):
    manager = member(project, Membership.Role.MANAGER, "manager1")
    article = ArticleFactory(project=project, text=TEXT)

    def mark(user, start, end, status="submitted"):
        return AnnotationFactory(article=article, created_by=user, start=start, end=end, status=status)

    return {
        "manager": manager,
        "article": article,
        "reviewers": mark(reviewer, 0, 9),  # "The mayor", the reviewer's own
        "analysts": mark(analyst, 15, 41),
        "managers": mark(manager, 42, 49),
        "mark": mark,
    }


def status(annotation) -> str:
    return Annotation.objects.get(pk=annotation.pk).status


def test_a_reviewer_may_not_decide_on_their_own_annotation_in_the_workbench(client, reviewer, desk):
    own = desk["reviewers"]
    client.force_login(reviewer)
    panel = client.get(reverse("annotations:panel", args=[own.pk])).content.decode()
    assert "You made this annotation: another reviewer or manager decides on it." in panel
    assert 'value="approve"' not in panel
    for decision in ("approve", "reject", "draft"):
        response = client.post(reverse("annotations:review", args=[own.pk]), {"decision": decision, "reason": "Mine."})
        assert response.status_code == 403
        assert OWN_WORK in response.content.decode().replace("&#x27;", "'")
    assert status(own) == "submitted" and not AnnotationEvent.objects.filter(annotation=own).exists()
    # The others' work they decide on as before.
    other = client.post(reverse("annotations:review", args=[desk["analysts"].pk]), {"decision": "approve"})
    assert other.status_code == 200 and status(desk["analysts"]) == "approved"


def test_the_api_refuses_a_decision_on_ones_own_annotation_with_403(reviewer, desk):
    api = api_client_for(reviewer)
    response = api.post(f"/annotations/{desk['reviewers'].pk}/review", {"decision": "approve"})
    assert response.status_code == 403
    assert OWN_WORK in response.json()["message"]
    assert status(desk["reviewers"]) == "submitted"
    assert api.post(f"/annotations/{desk['analysts'].pk}/review", {"decision": "approve"}).status_code == 200


def test_the_admin_page_and_its_queue_leave_ones_own_work_to_the_others(client, reviewer, desk):
    own = desk["reviewers"]
    client.force_login(reviewer)
    page = client.get(reverse("admin:annotations_annotation_change", args=[own.pk])).content.decode()
    assert "You made this annotation: another reviewer or manager decides on it." in page
    assert 'name="decision"' not in page
    refused = client.post(reverse("admin:annotations_annotation_decide", args=[own.pk]), {"decision": "approve"})
    assert refused.status_code == 403 and OWN_WORK in refused.content.decode().replace("&#x27;", "'")
    assert status(own) == "submitted"
    queue = client.get(reverse("admin:annotations_annotation_queue")).content.decode()
    assert f"/annotations/annotation/{own.pk}/change/" not in queue
    assert f"/annotations/annotation/{desk['analysts'].pk}/change/" in queue
    # The manager's queue holds it: another reviewer decides on it.
    client.force_login(desk["manager"])
    queue = client.get(reverse("admin:annotations_annotation_queue")).content.decode()
    assert f"/annotations/annotation/{own.pk}/change/" in queue


def test_a_bulk_decision_leaves_ones_own_rows_and_says_how_many(client, reviewer, desk):
    second_own = desk["mark"](reviewer, 50, 58)
    rows = [desk["reviewers"], second_own, desk["analysts"], desk["managers"]]
    client.force_login(reviewer)
    response = client.post(
        "/admin/annotations/annotation/",
        {"action": "approve", "_selected_action": [a.pk for a in rows], "index": 0},
        follow=True,
    )
    page = response.content.decode()
    assert "2 approved." in page
    assert "2 selected annotations are your own and were left as they were" in page
    assert [status(a) for a in rows] == ["submitted", "submitted", "approved", "approved"]

    client.post(
        "/admin/annotations/annotation/",
        {"action": "reject", "_selected_action": [desk["reviewers"].pk], "reason": "No.", "index": 0},
    )
    page = client.get("/admin/annotations/annotation/").content.decode()
    assert "1 selected annotation is your own and was left as it was" in page
    assert status(desk["reviewers"]) == "submitted"


def test_curation_refuses_accepting_ones_own_version_and_leaves_it_when_accepting_another(
    client, project, reviewer, analyst, desk
):
    article = desk["article"]
    theirs = desk["mark"](analyst, 0, 13)  # "The mayor sai": overlaps the reviewer's own "The mayor"
    url = reverse("review:curation", args=[article.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    own_cell = page.split(f'id="version-{desk["reviewers"].pk}"')[1].split("</div>")[0]
    assert "Accept this version" not in own_cell and "Yours: another reviewer or manager decides on it." in own_cell
    refused = client.post(url, {"accept": desk["reviewers"].pk, "version": 1})
    assert refused.status_code == 403 and OWN_WORK in refused.content.decode().replace("&#x27;", "'")
    assert status(desk["reviewers"]) == status(theirs) == "submitted"

    accepted = client.post(url, {"accept": theirs.pk, "version": 1}, follow=True).content.decode()
    assert "1 version of yours left as it was for another reviewer or manager to decide on." in accepted
    assert status(theirs) == "approved" and status(desk["reviewers"]) == "submitted"


def test_a_reviewers_edit_of_their_own_approved_annotation_sends_it_back_to_draft(reviewer, desk):
    own = desk["reviewers"]
    Annotation.objects.filter(pk=own.pk).update(status="approved")
    own.refresh_from_db()
    update_annotation(annotation=own, user=reviewer, base_version=own.version, note="Reworded.")
    assert status(own) == "draft"


def test_a_project_may_allow_self_review_and_its_history_records_the_switch(client, project, reviewer, desk):
    own = desk["reviewers"]
    with pytest.raises(OwnWork):
        review_annotation(annotation=own, user=reviewer, decision=Decision.APPROVE)
    client.force_login(desk["manager"])
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = client.get(url)
    assert 'name="self_review"' in form.content.decode()
    members = form.context["inline_admin_formsets"][0].formset.initial_forms
    data = {
        "name": project.name,
        "description": project.description,
        "self_review": "on",
        "memberships-TOTAL_FORMS": str(len(members)),
        "memberships-INITIAL_FORMS": str(len(members)),
    }
    for number, membership in enumerate(members):
        prefix = f"memberships-{number}-"
        instance = membership.instance
        data |= {prefix + "id": instance.pk, prefix + "user": instance.user_id, prefix + "role": instance.role}
        data[prefix + "project"] = project.pk
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.self_review is True
    assert list(ProjectHistory.objects.filter(pgh_obj_id=project.pk).values_list("self_review", flat=True)) == [
        False,
        True,
    ]
    page = client.get(url).content.decode()
    assert (
        '<b>reviewers decide on their own annotations</b>: <del dir="auto">False</del> → <ins dir="auto">True</ins>'
        in page
    )

    own = Annotation.objects.select_related("article__project").get(pk=own.pk)
    assert review_annotation(annotation=own, user=reviewer, decision=Decision.APPROVE) is True
    assert status(own) == "approved"
    # A reviewer may not switch it: it is the managers' setting.
    update_project(project=project, user=desk["manager"], fields=[])
    client.force_login(reviewer)
    assert client.post(url, {**data, "self_review": ""}).status_code == 403


def test_the_queue_scope_and_the_rule_agree_on_who_decides_what(project, analyst, reviewer, desk):
    superuser = UserFactory(username="root", is_superuser=True)
    users = [analyst, reviewer, desk["manager"], superuser]
    annotations = [desk["reviewers"], desk["analysts"], desk["managers"]]
    for allowed in (False, True):
        project.self_review = allowed
        project.save(update_fields=["self_review"])
        for user, annotation in itertools.product(users, annotations):
            user = type(user).objects.get(pk=user.pk)  # roles read afresh
            annotation = Annotation.objects.select_related("article__project").get(pk=annotation.pk)
            scoped = Annotation.objects.decidable_by(user).filter(pk=annotation.pk).exists()
            assert user.has_perm("annotations.review_annotation", annotation) == scoped, (user, annotation, allowed)
