"""The one rule, tried role by action: every page, partial, admin page and admin action, for
each kind of user, on an object of their own project and on one of another project."""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.claims.models import Appearance, Claim
from apps.imports.models import ImportJob
from apps.projects.models import Membership, Project
from apps.sources.models import Source
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    ClaimFactory,
    LinkFactory,
    MembershipFactory,
    ProjectFactory,
    SourceFactory,
    UserFactory,
)

ROLES = ["anonymous", "non-member", "analyst", "reviewer", "manager", "superuser"]
REVIEWERS = {"reviewer", "manager", "superuser"}


@dataclass
class Side:
    """One project's objects: an article, a source, a job, someone else's annotation with a link."""

    project: Project
    article: Article
    source: Source
    annotation: Annotation
    job: ImportJob


def side(name: str) -> Side:
    project = ProjectFactory(name=name)
    author = UserFactory(username=f"author-{name}")
    MembershipFactory(project=project, user=author, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=project, text=f"{name}: the minister said the deal was signed in 2025.")
    annotation = AnnotationFactory(article=article, created_by=author, status=Annotation.Status.SUBMITTED)
    source = SourceFactory(project=project, name=f"Ministry {name}")
    LinkFactory(annotation=annotation, source=source)
    claim = ClaimFactory(project=project, created_by=author, wording=f"{name}: the deal was signed")
    Appearance.objects.create(claim=claim, annotation=annotation, created_by=author)
    job = ImportJob.objects.create(project=project, created_by=author)
    return Side(project, article, source, annotation, job)


@pytest.fixture
def world(db):
    own, other = side("Own"), side("Other")
    users = {}
    for role in ("analyst", "reviewer", "manager"):
        users[role] = UserFactory(username=role)
        MembershipFactory(project=own.project, user=users[role], role=role)
    users["non-member"] = UserFactory(username="stranger", is_staff=True)  # staff grants nothing
    MembershipFactory(project=ProjectFactory(name="Elsewhere"), user=users["non-member"], role="manager")
    users["superuser"] = UserFactory(username="root", is_superuser=True, is_staff=True)
    return own, other, users


def outcome(response) -> str:
    """What the user met: the thing itself, a log-in page, a refusal or nothing at all."""
    if response.status_code in (200, 204):
        return "ok"
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(("/login/", "/admin/login/")):
            return "login"
        # The admin answers a row outside its queryset by sending the user back to its index.
        return "missing" if location in ("/admin/", "/admin/annotations/annotation/") else "ok"
    return {403: "forbidden", 404: "missing"}.get(response.status_code, f"status {response.status_code}")


def claim_of(side: Side) -> Claim:
    return Claim.objects.get(appearances__annotation=side.annotation)


# name -> (method, url for a Side, POST data for a Side)
ENDPOINTS = {
    "workbench": ("get", lambda s: s.article.get_absolute_url(), None),
    "annotation list partial": ("get", lambda s: s.article.get_absolute_url() + "?kind=claim", "list"),
    "annotation panel": ("get", lambda s: f"/annotations/{s.annotation.pk}/", None),
    "source search": ("get", lambda s: f"/annotations/article/{s.article.pk}/sources/?q=min", None),
    "import job page": ("get", lambda s: s.job.get_absolute_url(), None),
    "create annotation": (
        "post",
        lambda s: f"/annotations/article/{s.article.pk}/new/",
        lambda s: {"kind": "fact", "start": 0, "end": 3, "exact": s.article.text[:3]},
    ),
    "edit someone's annotation": (
        "post",
        lambda s: f"/annotations/{s.annotation.pk}/edit/",
        lambda s: {"version": s.annotation.version, "kind": "fact", "note": "checked", "tags": ""},
    ),
    "submit someone's annotation": ("post", lambda s: f"/annotations/{s.annotation.pk}/submit/", None),
    "withdraw someone's submission": (
        "post",
        lambda s: f"/annotations/{s.annotation.pk}/withdraw/",
        lambda s: {"version": s.annotation.version},
    ),
    "approve": ("post", lambda s: f"/annotations/{s.annotation.pk}/review/", lambda s: {"decision": "approve"}),
    "reject": (
        "post",
        lambda s: f"/annotations/{s.annotation.pk}/review/",
        lambda s: {"decision": "reject", "reason": "Not in the source."},
    ),
    "delete someone's annotation": ("post", lambda s: f"/annotations/{s.annotation.pk}/delete/", None),
    "link a source": (
        "post",
        lambda s: f"/annotations/{s.annotation.pk}/links/",
        lambda s: {"role": "cited", "source": s.source.pk},
    ),
    "unlink a source": ("post", lambda s: f"/annotations/links/{s.annotation.links.get().pk}/delete/", None),
    "join a story": (
        "post",
        lambda s: f"/articles/{s.article.pk}/story/",
        lambda s: {"other": ArticleFactory(project=s.project, text="Second text of the same story.").pk},
    ),
    "claim page": ("get", lambda s: f"/claims/{claim_of(s).pk}/", None),
    "claim proposals": ("get", lambda s: f"/claims/annotation/{s.annotation.pk}/proposals/", None),
    "set a claim's verdict": (
        "post",
        lambda s: f"/claims/{claim_of(s).pk}/verdict/",
        lambda s: {"version": 1, "verdict": "false", "rationale": "Not what the source says."},
    ),
    "admin: annotation page": ("get", lambda s: f"/admin/annotations/annotation/{s.annotation.pk}/change/", None),
    "admin: article page": ("get", lambda s: f"/admin/articles/article/{s.article.pk}/change/", None),
    "admin: source page": ("get", lambda s: f"/admin/sources/source/{s.source.pk}/change/", None),
    "admin: project page": ("get", lambda s: f"/admin/projects/project/{s.project.pk}/change/", None),
}

# What each role meets on its own project's objects ("other" project: see below).
EXPECTED_OWN = {
    "anonymous": dict.fromkeys(ENDPOINTS, "login"),
    # A manager of another project: the admin lets them in, but none of these rows exist for them.
    "non-member": dict.fromkeys(ENDPOINTS, "missing"),
    "analyst": {name: "login" if name.startswith("admin") else "ok" for name in ENDPOINTS}
    | {
        "edit someone's annotation": "forbidden",
        "submit someone's annotation": "forbidden",
        "withdraw someone's submission": "forbidden",
        "approve": "forbidden",
        "reject": "forbidden",
        "delete someone's annotation": "forbidden",
        "link a source": "forbidden",
        "unlink a source": "forbidden",
        "set a claim's verdict": "forbidden",
    },
    "reviewer": dict.fromkeys(ENDPOINTS, "ok"),
    "manager": dict.fromkeys(ENDPOINTS, "ok"),
    "superuser": dict.fromkeys(ENDPOINTS, "ok"),
}
# The submitted annotation cannot be submitted again: that refusal is about its state.
for role in REVIEWERS:
    EXPECTED_OWN[role]["submit someone's annotation"] = "status 409"
# A submission is taken back by its author only; reviewers send it back to draft instead.
for role in ("reviewer", "manager"):
    EXPECTED_OWN[role]["withdraw someone's submission"] = "forbidden"


def expected_other(role: str, endpoint: str) -> str:
    if role == "superuser":
        return EXPECTED_OWN["superuser"][endpoint]
    if role == "anonymous" or (role == "analyst" and endpoint.startswith("admin")):
        return "login"
    return "missing"


def request(client, users, role, endpoint, target: Side):
    if role != "anonymous":
        client.force_login(users[role])
    method, url, data = ENDPOINTS[endpoint]
    if data == "list":
        return client.get(url(target), headers={"HX-Request": "true", "HX-Target": "annotation-list"})
    if method == "get":
        return client.get(url(target))
    return client.post(url(target), data(target) if data else {}, headers={"HX-Request": "true"})


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_role_on_own_project(client, world, role, endpoint):
    own, _, users = world
    assert outcome(request(client, users, role, endpoint, own)) == EXPECTED_OWN[role][endpoint]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_role_on_another_project(client, world, role, endpoint):
    _, other, users = world
    before = Annotation.objects.values_list("pk", "status", "note", "kind", "version", "deleted_at").get(
        pk=other.annotation.pk
    )
    result = outcome(request(client, users, role, endpoint, other))
    assert result == expected_other(role, endpoint)
    if role != "superuser":
        after = Annotation.objects.values_list("pk", "status", "note", "kind", "version", "deleted_at").get(
            pk=other.annotation.pk
        )
        assert after == before
        assert other.annotation.links.count() == 1
        assert not Annotation.objects.filter(article=other.article).exclude(pk=other.annotation.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_admin_lists_show_only_the_users_projects(client, world, role):
    own, other, users = world
    if role != "anonymous":
        client.force_login(users[role])
    for url, shown in (
        ("/admin/annotations/annotation/", lambda s: s.annotation.exact),
        ("/admin/articles/article/", lambda s: s.article.title),
        ("/admin/sources/source/", lambda s: s.source.name),
    ):
        response = client.get(url)
        if role in ("anonymous", "analyst"):
            assert outcome(response) == "login", url
            continue
        page = response.content.decode()
        assert (shown(own) in page) == (role in REVIEWERS), url
        assert (shown(other) in page) == (role == "superuser"), url
        # The filters' choices are scoped too: no other project's name or author.
        assert ("author-Other" in page or ">Other<" in page) == (role == "superuser"), url


@pytest.mark.parametrize("role", ["reviewer", "manager", "superuser"])
def test_admin_actions_decide_only_rows_the_rule_allows(client, world, role):
    own, other, users = world
    client.force_login(users[role])
    ids = [own.annotation.pk, other.annotation.pk]
    response = client.post(
        "/admin/annotations/annotation/", {"action": "approve", "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    own.annotation.refresh_from_db()
    other.annotation.refresh_from_db()
    assert own.annotation.status == "approved"
    assert own.annotation.reviewed_by == users[role]
    assert other.annotation.status == ("approved" if role == "superuser" else "submitted")


def test_admin_reject_asks_for_the_reason_then_records_it(client, world):
    own, _, users = world
    client.force_login(users["reviewer"])
    url = "/admin/annotations/annotation/"
    page = client.post(url, {"action": "reject", "_selected_action": [own.annotation.pk]})
    assert page.status_code == 200 and "Why are these rejected?" in page.content.decode()
    own.annotation.refresh_from_db()
    assert own.annotation.status == "submitted"
    client.post(url, {"action": "reject", "_selected_action": [own.annotation.pk], "reason": "Misquoted."})
    own.annotation.refresh_from_db()
    assert own.annotation.status == "rejected"
    assert own.annotation.events.get().comment == "Misquoted."


def test_analyst_has_no_admin_actions_even_with_staff_flag(client, world):
    own, _, users = world
    analyst = users["analyst"]
    analyst.is_staff = True
    analyst.save()
    client.force_login(analyst)
    client.post("/admin/annotations/annotation/", {"action": "approve", "_selected_action": [own.annotation.pk]})
    own.annotation.refresh_from_db()
    assert own.annotation.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_querysets_and_object_checks_agree(world, role):
    own, other, users = world
    user = AnonymousUser() if role == "anonymous" else users[role]
    for model, perm, objects in (
        (Article, "articles.view_article", [own.article, other.article]),
        (Annotation, "annotations.view_annotation", [own.annotation, other.annotation]),
        (Source, "sources.view_source", [own.source, other.source]),
        (Project, "projects.view_project", [own.project, other.project]),
        (ImportJob, "imports.view_importjob", [own.job, other.job]),
    ):
        visible = set(model.objects.visible_to(user))
        for obj in objects:
            assert (obj in visible) == user.has_perm(perm, obj), (model.__name__, obj)


def test_manager_changes_members_in_the_admin_reviewer_cannot(client, world):
    own, _, users = world
    newcomer = UserFactory(username="newcomer")
    form = membership_form(own.project)
    new = form["memberships-TOTAL_FORMS"]
    form |= {
        "memberships-TOTAL_FORMS": new + 1,
        f"memberships-{new}-project": own.project.pk,
        f"memberships-{new}-user": newcomer.pk,
        f"memberships-{new}-role": "reviewer",
    }
    url = f"/admin/projects/project/{own.project.pk}/change/"
    client.force_login(users["reviewer"])
    client.post(url, form)
    assert not own.project.memberships.filter(user=newcomer).exists()
    client.force_login(users["manager"])
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert own.project.memberships.get(user=newcomer).role == "reviewer"


def test_no_module_outside_the_rule_reads_roles_or_staff_flags():
    """Memberships (and so roles) are read in apps/projects only; nothing grants access by `is_staff`."""
    apps_dir = Path(__file__).resolve().parents[2] / "apps"
    offenders = []
    for path in apps_dir.rglob("*.py"):
        if "migrations" in path.parts or path.parent.name == "projects":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"is_staff", "memberships"}:
                offenders.append(f"{path.relative_to(apps_dir)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Name) and node.id == "Membership":
                offenders.append(f"{path.relative_to(apps_dir)}:{node.lineno} Membership")
    assert offenders == []


def test_demo_logins_hold_only_their_roles(db):
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))
    demo = Project.objects.get()
    for user in demo.members.all():
        assert not user.is_superuser and not user.is_staff, user
    other = ProjectFactory(name="Someone else's")
    ArticleFactory(project=other)
    manager = demo.members.get(username="manager")
    assert not Article.objects.visible_to(manager).filter(project=other).exists()
    assert manager.has_perm("projects.manage_members", demo)
    assert not manager.has_perm("projects.manage_members", other)


def test_reviewer_reads_links_and_history_on_the_admin_page(client, world):
    own, _, users = world
    client.force_login(users["reviewer"])
    page = client.get(f"/admin/annotations/annotation/{own.annotation.pk}/change/").content.decode()
    assert own.source.name in page
    assert 'rel="icon"' in page  # the admin's pages carry the app's icon too
    client.post(f"/annotations/{own.annotation.pk}/review/", {"decision": "approve"})
    page = client.get(f"/admin/annotations/annotation/{own.annotation.pk}/change/").content.decode()
    assert "Approved" in page


def test_manager_looks_users_up_without_links_to_their_accounts(client, world):
    _, _, users = world
    client.force_login(users["manager"])
    page = client.get("/admin/auth/user/?q=author").content.decode()
    assert "author-Own" in page
    assert "/admin/auth/user/" + str(users["analyst"].pk) + "/change/" not in page
    assert client.get(f"/admin/auth/user/{users['analyst'].pk}/change/").status_code == 403


def test_a_manager_never_sees_the_accounts_listed_whole_nor_their_emails(client, world):
    _, _, users = world
    users["analyst"].email = "private@example.org"
    users["analyst"].save()
    client.force_login(users["manager"])
    listing = client.get("/admin/auth/user/").content.decode()
    assert users["analyst"].username not in listing and "0 users" in listing
    assert "is_superuser" not in listing  # no filters by staff or superuser status
    found = client.get("/admin/auth/user/", {"q": users["analyst"].username[:4]}).content.decode()
    assert users["analyst"].username in found and "private@example.org" not in found
    assert users["analyst"].username not in client.get("/admin/auth/user/", {"q": "au"}).content.decode()


def test_adding_an_article_in_the_admin_leads_to_the_import(client, world):
    _, _, users = world
    client.force_login(users["manager"])
    response = client.get("/admin/articles/article/add/")
    assert response.status_code == 302
    assert response["Location"] == "/imports/"


def membership_form(project, changes=None, delete=()):
    memberships = list(project.memberships.order_by("pk"))
    form = {
        "name": project.name,
        "description": "",
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": len(memberships),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for index, membership in enumerate(memberships):
        form |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-project": project.pk,
            f"memberships-{index}-user": membership.user_id,
            f"memberships-{index}-role": (changes or {}).get(membership.user.username, membership.role),
        }
        if membership.user.username in delete:
            form[f"memberships-{index}-DELETE"] = "on"
    return form


def test_the_last_manager_cannot_demote_or_remove_themselves(client, world):
    own, _, users = world
    client.force_login(users["manager"])
    url = f"/admin/projects/project/{own.project.pk}/change/"
    for form in (
        membership_form(own.project, {"manager": "analyst"}),
        membership_form(own.project, delete=["manager"]),
    ):
        response = client.post(url, form)
        assert response.status_code == 200
        assert "A project needs a manager" in response.content.decode()
        assert own.project.memberships.get(user=users["manager"]).role == "manager"


def test_a_manager_hands_over_in_one_change(client, world):
    own, _, users = world
    client.force_login(users["manager"])
    response = client.post(
        f"/admin/projects/project/{own.project.pk}/change/",
        membership_form(own.project, {"manager": "analyst", "reviewer": "manager"}),
    )
    assert response.status_code == 302
    roles = dict(own.project.memberships.values_list("user__username", "role"))
    assert (roles["manager"], roles["reviewer"]) == ("analyst", "manager")
