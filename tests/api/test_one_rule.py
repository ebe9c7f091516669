"""The API adds no rule of its own: for every role and action, it answers what the one rule says."""

import pytest

from apps.annotations.models import Annotation
from tests.api.conftest import api_client_for
from tests.conftest import member
from tests.factories import AnnotationFactory, UserFactory

ROLES = ["author", "other analyst", "reviewer", "manager", "outsider", "superuser"]
# action -> (method, path under the annotation, body, the permission asked, success status)
ACTIONS = {
    "read": ("get", "", None, "annotations.view_annotation", 200),
    "change": ("patch", "", {"version": 1, "note": "changed"}, "annotations.change_annotation", 200),
    "submit": ("post", "/submit", None, "annotations.change_annotation", 200),
    "review": ("post", "/review", {"decision": "approve"}, "annotations.review_annotation", 200),
    "comment": ("post", "/comments", {"body": "Why?"}, "annotations.comment_annotation", 201),
    "link": (
        "post",
        "/links",
        {"role": "cited", "new_source_name": "INSS", "new_source_kind": "organisation"},
        "annotations.change_annotation",
        201,
    ),
    "delete": ("delete", "", None, "annotations.delete_annotation", 204),
}

# What the rule says for some of them, written out, so that the matrix cannot pass vacuously.
SPELLED_OUT = {
    ("author", "review"): 403,
    ("other analyst", "change"): 403,
    ("other analyst", "delete"): 403,
    ("other analyst", "comment"): 201,
    ("reviewer", "change"): 200,
    ("manager", "review"): 200,
    ("outsider", "read"): 404,
    ("outsider", "review"): 404,
    ("superuser", "delete"): 204,
}


def user_in_role(role, project, author):
    if role == "author":
        return author
    if role == "superuser":
        return UserFactory(username="root", is_superuser=True)
    if role == "outsider":
        return UserFactory(username="stranger")
    return member(project, role.split()[-1], role.replace(" ", "-"))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_rule_grants(role, action, project, article, analyst):
    # Reviewers decide on what was submitted; the author submits a draft.
    annotation = AnnotationFactory(
        article=article, created_by=analyst, status="submitted" if action == "review" else "draft"
    )
    user = user_in_role(role, project, analyst)
    method, suffix, body, perm, success = ACTIONS[action]
    annotation = Annotation.objects.select_related("article").get(pk=annotation.pk)
    visible = Annotation.objects.visible_to(user).filter(pk=annotation.pk).exists()
    expected = 404 if not visible else success if user.has_perm(perm, annotation) else 403
    assert expected == SPELLED_OUT.get((role, action), expected)

    api = api_client_for(user)
    response = api.request(method, f"/annotations/{annotation.pk}{suffix}", body)
    assert response.status_code == expected, response.content
