"""Invitations: a manager's link through which one person creates an account (or uses theirs)
and joins the project in the role chosen; single use, for a week, shown once, revocable."""

import hashlib
import re
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from apps.projects.models import Invitation, Membership, MembershipHistory
from apps.projects.services import (
    AlreadyMember,
    InvitationGone,
    accept_invitation,
    create_invitation,
    remove_member,
    revoke_invitation,
    sign_up_with_invitation,
)
from tests.conftest import member
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

User = get_user_model()
NEW_PASSWORD = "an-unusual-passphrase-42"
ADMIN_LIST = "/admin/projects/invitation/"
ADMIN_ADD = "/admin/projects/invitation/add/"


@pytest.fixture
def manager(project):
    return member(project, Membership.Role.MANAGER, "manager1")


@pytest.fixture
def invite(project, manager):
    """An invitation of the manager to their project, and its link's path."""

    def make(role=Membership.Role.ANALYST, label="", project=project, by=manager):
        invitation, secret = create_invitation(project=project, role=role, label=label, by=by)
        return invitation, f"/invitations/{secret}/"

    return make


def sign_up(client, path, username="newcomer", password=NEW_PASSWORD, password2=None, **extra):
    data = {"action": "sign-up", "username": username, "password1": password, "password2": password2 or password}
    return client.post(path, data, **extra)


def expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1)
    )


def nothing_written(invitation, username="newcomer"):
    invitation.refresh_from_db()
    return invitation.pending and not User.objects.filter(username__iexact=username).exists()


# The model and the services


def test_only_the_digest_of_the_link_is_kept_and_it_expires_in_a_week(invite):
    invitation, path = invite(label="Ana, ana@example.org")
    secret = path.split("/")[2]

    assert len(secret) >= 40
    assert invitation.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert invitation.visible_prefix == secret[:8]
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert invitation.state == Invitation.State.PENDING


def test_signing_up_creates_the_account_and_its_role_and_uses_the_invitation(invite, project):
    invitation, _ = invite(role=Membership.Role.REVIEWER)

    membership = sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)

    user = User.objects.get(username="newcomer")
    assert user.check_password(NEW_PASSWORD) and not user.is_staff and not user.is_superuser
    assert membership.user == user and membership.project == project and membership.role == "reviewer"
    assert user.has_perm("annotations.review_annotation", project)
    invitation.refresh_from_db()
    assert invitation.used_by == user and invitation.used_at is not None
    assert invitation.state == Invitation.State.USED


def test_the_membership_history_names_the_newcomer_and_the_invitation(invite, project):
    invitation, _ = invite(role=Membership.Role.REVIEWER)

    sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)

    event = MembershipHistory.objects.get(project_id=project.pk, user__username="newcomer")
    assert (event.pgh_label, event.role) == ("created", "reviewer")
    assert event.pgh_context.metadata["user"] == User.objects.get(username="newcomer").pk
    assert event.pgh_context.metadata["invitation"] == invitation.pk


def test_an_invitation_works_once(invite):
    invitation, _ = invite()
    sign_up_with_invitation(invitation=invitation, username="first", password=NEW_PASSWORD)

    with pytest.raises(InvitationGone, match="already been used"):
        sign_up_with_invitation(invitation=invitation, username="second", password=NEW_PASSWORD)
    with pytest.raises(InvitationGone, match="already been used"):
        accept_invitation(invitation=invitation, user=UserFactory(username="third"))

    assert not User.objects.filter(username="second").exists()
    assert list(invitation.project.memberships.values_list("user__username", flat=True).order_by("user__username")) == [
        "first",
        "manager1",
    ]


def test_an_expired_invitation_creates_nothing(invite):
    invitation, _ = invite()
    expire(invitation)

    with pytest.raises(InvitationGone, match="expired"):
        sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)

    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.EXPIRED and invitation.used_at is None
    assert not User.objects.filter(username="newcomer").exists()


def test_a_revoked_invitation_creates_nothing_and_is_revoked_once(invite, manager):
    invitation, _ = invite()
    revoke_invitation(invitation=invitation, by=manager)

    with pytest.raises(InvitationGone, match="revoked"):
        sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)
    with pytest.raises(InvitationGone, match="revoked"):
        revoke_invitation(invitation=invitation, by=manager)

    invitation.refresh_from_db()
    assert invitation.revoked_by == manager and invitation.state == Invitation.State.REVOKED
    assert not User.objects.filter(username="newcomer").exists()


def test_a_used_invitation_cannot_be_revoked(invite, manager):
    invitation, _ = invite()
    sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)

    with pytest.raises(InvitationGone, match="already been used"):
        revoke_invitation(invitation=invitation, by=manager)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None and invitation.used_by.username == "newcomer"


def test_an_existing_user_accepts_into_the_role(invite, project):
    invitation, _ = invite(role=Membership.Role.MANAGER)
    user = UserFactory(username="colleague")
    MembershipFactory(user=user, role=Membership.Role.ANALYST)  # a role elsewhere changes nothing here

    membership = accept_invitation(invitation=invitation, user=user)

    assert membership.role == "manager"
    assert user.has_perm("projects.manage_members", project)
    invitation.refresh_from_db()
    assert invitation.used_by == user


def test_a_member_keeps_their_role_and_the_invitation_stays_unused(invite, project, reviewer):
    invitation, _ = invite(role=Membership.Role.ANALYST)

    with pytest.raises(AlreadyMember, match="already reviewer"):
        accept_invitation(invitation=invitation, user=reviewer)

    assert project.memberships.get(user=reviewer).role == "reviewer"
    invitation.refresh_from_db()
    assert invitation.pending


def test_an_invitation_lapses_when_its_maker_no_longer_manages_the_project(invite, project, manager):
    invitation, _ = invite()
    MembershipFactory(project=project, user=UserFactory(username="successor"), role=Membership.Role.MANAGER)
    remove_member(project=project, user=manager, by=None)

    with pytest.raises(InvitationGone, match="no longer manages"):
        sign_up_with_invitation(invitation=invitation, username="newcomer", password=NEW_PASSWORD)

    assert nothing_written(invitation)


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_only_managers_invite_and_revoke(invite, project, role):
    user = member(project, role, f"{role}-x")
    invitation, _ = invite()

    with pytest.raises(PermissionDenied):
        create_invitation(project=project, role="analyst", by=user)
    with pytest.raises(PermissionDenied):
        revoke_invitation(invitation=invitation, by=user)

    assert Invitation.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.pending


def test_a_manager_of_another_project_neither_invites_nor_revokes_here(invite, project, outsider):
    invitation, _ = invite()

    with pytest.raises(PermissionDenied):
        create_invitation(project=project, role="manager", by=outsider)
    with pytest.raises(PermissionDenied):
        revoke_invitation(invitation=invitation, by=outsider)
    assert Invitation.objects.count() == 1


def test_a_superuser_invites_to_any_project(project):
    root = UserFactory(username="root", is_superuser=True)

    invitation, _ = create_invitation(project=project, role="manager", by=root)

    membership = accept_invitation(invitation=invitation, user=UserFactory(username="colleague"))
    assert membership.role == "manager"


def wait_until(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout} s for {what}")
        time.sleep(0.02)


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_sign_ups_at_once_with_one_link_one_wins_and_the_other_creates_nothing(project):
    manager = member(project, Membership.Role.MANAGER, "manager1")
    invitation, _ = create_invitation(project=project, role="analyst", by=manager)
    first_claimed, first_may_commit = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                sign_up_with_invitation(
                    invitation=Invitation.objects.get(pk=invitation.pk), username="first", password=NEW_PASSWORD
                )
                first_claimed.set()
                first_may_commit.wait(60)
            outcomes["first"] = "joined"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes["first"] = error
        finally:
            connection.close()

    def second():
        try:
            sign_up_with_invitation(
                invitation=Invitation.objects.get(pk=invitation.pk), username="second", password=NEW_PASSWORD
            )
            outcomes["second"] = "joined"
        except Exception as error:  # noqa: BLE001
            outcomes["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    wait_until(first_claimed.is_set, "the first sign-up to claim the invitation")
    threads[1].start()
    # The second waits for the first's transaction, then finds the invitation used.
    wait_until(waiting_on_a_lock, "the second sign-up to wait for the first")
    first_may_commit.set()
    for thread in threads:
        thread.join(60)

    assert outcomes["first"] == "joined"
    assert isinstance(outcomes["second"], InvitationGone), outcomes["second"]
    assert not User.objects.filter(username="second").exists()
    assert set(project.memberships.values_list("user__username", flat=True)) == {"manager1", "first"}
    assert Invitation.objects.get(pk=invitation.pk).used_by.username == "first"


@pytest.mark.django_db(transaction=True)
def test_two_users_accepting_at_the_same_moment_only_one_joins(project):
    manager = member(project, Membership.Role.MANAGER, "manager1")
    invitation, _ = create_invitation(project=project, role="reviewer", by=manager)
    users = [UserFactory(username="ana"), UserFactory(username="ben")]
    start = threading.Barrier(2)
    outcomes = {}

    def accept(user):
        try:
            start.wait(30)
            accept_invitation(invitation=Invitation.objects.get(pk=invitation.pk), user=user)
            outcomes[user.username] = "joined"
        except InvitationGone as error:
            outcomes[user.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=[user]) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(str(outcome) for outcome in outcomes.values()) == [
        "This invitation has already been used.",
        "joined",
    ]
    joined = next(name for name, outcome in outcomes.items() if outcome == "joined")
    assert set(project.memberships.values_list("user__username", flat=True)) == {"manager1", joined}


# The page the link opens


def test_the_link_opens_a_sign_up_page_naming_project_role_and_inviter(client, invite, project):
    _, path = invite(role=Membership.Role.REVIEWER)

    response = client.get(path)

    assert response.status_code == 200
    page = response.text
    assert project.name in page and "as <strong>reviewer</strong>" in page and "manager1 invites you" in page
    assert 'name="password1"' in page and 'name="password2"' in page and "csrfmiddlewaretoken" in page
    assert f'href="/login/?next={path}"' in page
    assert "no-cache" in response["Cache-Control"]


def test_signing_up_on_the_page_signs_in_and_lands_on_the_projects_articles(client, invite, project):
    article = ArticleFactory(project=project, title="Ministry confirms the deal")
    ArticleFactory(title="Another project's article")
    invitation, path = invite()

    response = sign_up(client, path)

    assert response.status_code == 302
    assert response["Location"] == f"/articles/?project={project.pk}"
    user = User.objects.get(username="newcomer")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert project.memberships.get(user=user).role == "analyst"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert article.title in landing.text and "Another project's article" not in landing.text
    assert f"Welcome, newcomer: you joined {project.name} as analyst." in landing.text
    assert client.get(path).status_code == 410


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"password2": "something-else-entirely-42"}, "The two password fields didn’t match."),
        ({"password": "short1", "password2": "short1"}, "This password is too short."),
        ({"password": "password123", "password2": "password123"}, "This password is too common."),
        ({"password": "newcomer-x", "password2": "newcomer-x"}, "The password is too similar to the username."),
        ({"username": "bad name!"}, "Enter a valid username."),
    ],
)
def test_bad_sign_up_input_is_refused_with_its_reason_and_writes_nothing(client, invite, fields, message):
    invitation, path = invite()

    response = sign_up(client, path, **fields)

    assert response.status_code == 422
    assert message in response.text.replace("&#x27;", "'")
    assert nothing_written(invitation, fields.get("username") or "newcomer")
    assert "_auth_user_id" not in client.session


def test_a_taken_user_name_is_refused_whatever_its_case(client, invite, analyst):
    invitation, path = invite()

    response = sign_up(client, path, username="ANALYST1")

    assert response.status_code == 422
    assert "A user with that username already exists." in response.text
    invitation.refresh_from_db()
    assert invitation.pending and User.objects.filter(username__iexact="analyst1").count() == 1


def test_an_unknown_link_is_404_and_expired_revoked_used_ones_are_410(client, invite, manager):
    _, unknown = invite()
    unknown = unknown[:-5] + "xxxx/"
    expired, expired_path = invite()
    expire(expired)
    revoked, revoked_path = invite()
    revoke_invitation(invitation=revoked, by=manager)
    used, used_path = invite()
    sign_up_with_invitation(invitation=used, username="early", password=NEW_PASSWORD)

    for path, status, reason in (
        (unknown, 404, "There is no such invitation"),
        (expired_path, 410, "This invitation expired on"),
        (revoked_path, 410, "This invitation was revoked."),
        (used_path, 410, "This invitation has already been used."),
    ):
        for response in (client.get(path), sign_up(client, path)):
            assert response.status_code == status, path
            assert reason in response.text
    assert not User.objects.filter(username="newcomer").exists()


def test_a_signed_in_user_joins_with_a_button(client, invite, project):
    user = UserFactory(username="colleague")
    client.force_login(user)
    invitation, path = invite(role=Membership.Role.REVIEWER)

    page = client.get(path)
    assert page.status_code == 200
    assert f"Join {project.name} as reviewer" in page.text and 'name="password1"' not in page.text

    response = client.post(path, {"action": "join"})

    assert response.status_code == 302 and response["Location"] == f"/articles/?project={project.pk}"
    assert project.memberships.get(user=user).role == "reviewer"
    invitation.refresh_from_db()
    assert invitation.used_by == user


def test_a_member_is_told_their_role_stays_and_nothing_changes(client, invite, project, reviewer):
    client.force_login(reviewer)
    invitation, path = invite(role=Membership.Role.MANAGER)

    page = client.get(path)
    assert page.status_code == 200
    assert "You are already reviewer in" in page.text and "ask one of the" in page.text
    assert 'value="join"' not in page.text

    response = client.post(path, {"action": "join"})

    assert response.status_code == 409
    assert "your role stays as it is" in response.text
    assert project.memberships.get(user=reviewer).role == "reviewer"
    invitation.refresh_from_db()
    assert invitation.pending


def test_a_stale_sign_up_form_never_joins_the_signed_in_user(client, invite, project):
    user = UserFactory(username="colleague")
    client.force_login(user)
    invitation, path = invite()

    response = sign_up(client, path)

    assert response.status_code == 409
    assert "sign out first" in response.text
    assert nothing_written(invitation) and not project.memberships.filter(user=user).exists()


def test_the_join_button_of_an_ended_session_leads_to_the_login(client, invite):
    invitation, path = invite()

    response = client.post(path, {"action": "join"})

    assert response.status_code == 302 and response["Location"] == f"/login/?next={path.replace('/', '%2F')}"
    invitation.refresh_from_db()
    assert invitation.pending


def test_the_page_refuses_a_post_without_the_csrf_token(invite):
    from django.test import Client

    invitation, path = invite()

    response = sign_up(Client(enforce_csrf_checks=True), path)

    assert response.status_code == 403
    assert nothing_written(invitation)


def test_a_client_the_login_throttle_holds_back_cannot_sign_up(client, invite):
    invitation, path = invite()
    for n in range(5):
        client.post("/login/", {"username": f"guess{n}", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")

    response = sign_up(client, path, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert nothing_written(invitation)
    assert "_auth_user_id" not in client.session
    assert sign_up(client, path, REMOTE_ADDR="198.51.100.4").status_code == 302  # others still sign up


def test_hostile_names_are_shown_as_text(client, manager):
    project = ProjectFactory(name='<script>alert("p")</script>')
    MembershipFactory(project=project, user=manager, role=Membership.Role.MANAGER)
    _, secret = create_invitation(project=project, role="analyst", label="<img src=x onerror=alert(1)>", by=manager)

    page = client.get(f"/invitations/{secret}/").text

    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;" in page
    client.force_login(manager)
    for url in (ADMIN_LIST, f"{ADMIN_LIST}{Invitation.objects.get().pk}/revoke/"):
        listed = client.get(url).text
        assert "<img src=x" not in listed and "&lt;img src=x onerror=alert(1)&gt;" in listed, url
        assert "<script>alert" not in listed, url


# Managing invitations in the admin


def created_link(response) -> str:
    return re.search(r'value="(http://testserver/invitations/[^"]+/)"', response.text).group(1)


def test_a_manager_creates_an_invitation_and_sees_its_link_only_then(client, project, manager):
    client.force_login(manager)

    response = client.post(ADMIN_ADD, {"project": project.pk, "role": "reviewer", "label": "Ana Example"})

    assert response.status_code == 201
    link = created_link(response)
    assert "shown only this once" in response.text
    invitation = Invitation.objects.get()
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert (invitation.role, invitation.label, invitation.created_by) == ("reviewer", "Ana Example", manager)
    for page in (client.get(ADMIN_LIST), client.get(f"{ADMIN_LIST}{invitation.pk}/change/")):
        assert page.status_code == 200 and "Ana Example" in page.text and secret not in page.text


def test_the_add_page_offers_only_the_managers_projects(client, project, manager, outsider):
    client.force_login(manager)
    ProjectFactory(name="Nobody's project")

    page = client.get(ADMIN_ADD).text

    assert project.name in page and "Nobody's project" not in page
    response = client.post(ADMIN_ADD, {"project": outsider.projects.get().pk, "role": "analyst"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert not Invitation.objects.exists()


def test_bad_role_is_refused_and_writes_nothing(client, project, manager):
    client.force_login(manager)

    response = client.post(ADMIN_ADD, {"project": project.pk, "role": "owner"})

    assert response.status_code == 422 and not Invitation.objects.exists()


def test_the_list_shows_each_invitations_state_and_revokes_only_pending_ones(client, invite, manager):
    pending, _ = invite(label="Pending person")
    used, _ = invite(label="Used person")
    sign_up_with_invitation(invitation=used, username="early", password=NEW_PASSWORD)
    expired, _ = invite(label="Expired person")
    expire(expired)
    client.force_login(manager)

    page = client.get(ADMIN_LIST).text
    rows = {
        label: re.search(rf"{label} person.*?</tr>", page, re.S).group(0) for label in ("Pending", "Used", "Expired")
    }

    assert ">Pending<" in rows["Pending"] and "Revoke…" in rows["Pending"]
    assert ">Used<" in rows["Used"] and "Revoke…" not in rows["Used"]
    assert ">Expired<" in rows["Expired"] and "Revoke…" not in rows["Expired"]
    pending_only = client.get(ADMIN_LIST + "?state=pending").text
    assert (
        "Pending person" in pending_only and "Used person" not in pending_only and "Expired person" not in pending_only
    )


def test_revoking_asks_first_then_the_link_is_gone(client, invite, manager):
    invitation, path = invite(label="Ana")
    client.force_login(manager)
    url = f"{ADMIN_LIST}{invitation.pk}/revoke/"

    confirmation = client.get(url)
    assert confirmation.status_code == 200 and "Yes, revoke it" in confirmation.text
    invitation.refresh_from_db()
    assert invitation.pending

    response = client.post(url)

    assert response.status_code == 302 and response["Location"] == ADMIN_LIST
    invitation.refresh_from_db()
    assert invitation.revoked_by == manager
    client.logout()
    assert client.get(path).status_code == 410
    client.force_login(manager)
    again = client.post(url)
    assert again.status_code == 409 and "This invitation was revoked." in again.text


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
def test_analysts_and_reviewers_neither_see_create_nor_revoke_invitations(client, invite, project, role):
    user = member(project, role, f"{role}-x")
    invitation, _ = invite(label="Ana")
    client.force_login(user)

    refused = "login" if role == "analyst" else 403
    for response in (
        client.get(ADMIN_LIST),
        client.get(ADMIN_ADD),
        client.post(ADMIN_ADD, {"project": project.pk, "role": "manager"}),
        client.post(f"{ADMIN_LIST}{invitation.pk}/revoke/"),
    ):
        if refused == "login":
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        else:
            assert response.status_code in (403, 404)
    assert Invitation.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.pending
    assert "Invitations</a>" not in client.get("/articles/").text


def test_another_projects_manager_gets_404_for_this_projects_invitations(client, invite, outsider):
    invitation, _ = invite(label="Ana Example")
    client.force_login(outsider)

    listed = client.get(ADMIN_LIST)
    assert listed.status_code == 200 and "Ana Example" not in listed.text
    assert client.get(f"{ADMIN_LIST}{invitation.pk}/revoke/").status_code == 404
    assert client.post(f"{ADMIN_LIST}{invitation.pk}/revoke/").status_code == 404
    change = client.get(f"{ADMIN_LIST}{invitation.pk}/change/")
    assert change.status_code == 302 and change["Location"] == "/admin/"
    invitation.refresh_from_db()
    assert invitation.pending


def test_a_manager_finds_invitations_from_the_header_the_admin_index_and_the_project(client, project, manager):
    client.force_login(manager)

    assert f'href="{ADMIN_LIST}?state=pending">Invitations</a>' in client.get("/articles/").text
    assert f'href="{ADMIN_LIST}"' in client.get("/admin/").text
    project_page = client.get(f"/admin/projects/project/{project.pk}/change/").text
    assert f'href="{ADMIN_LIST}?project__id__exact={project.pk}">Invitations</a>' in project_page
    assert f'href="{ADMIN_ADD}?project={project.pk}">Invite someone</a>' in project_page


def test_the_link_page_costs_two_queries(client, invite, django_assert_num_queries):
    _, path = invite()

    with django_assert_num_queries(2):  # the invitation with its project and maker, the maker's roles
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ["analyst", "reviewer", "manager", "other manager", "superuser"])
def test_the_list_of_invitations_and_the_rule_agree(invite, project, role):
    own, _ = invite()
    elsewhere = member(ProjectFactory(), Membership.Role.MANAGER, "manager2")
    other, _ = invite(project=elsewhere.projects.get(), by=elsewhere)
    user = {
        "other manager": elsewhere,
        "superuser": UserFactory(username="root", is_superuser=True),
    }.get(role) or member(project, role, f"{role}-x")

    visible = set(Invitation.objects.visible_to(user))

    for invitation in (own, other):
        assert (invitation in visible) == user.has_perm("projects.view_invitation", invitation), invitation
    assert (own in visible) == (role in ("manager", "superuser"))


def test_every_invitation_page_is_valid_html(client, invite, manager, reviewer):
    from tests.test_pages import html_problems

    pending, path = invite(label="Ana")
    revoked, revoked_path = invite()
    revoke_invitation(invitation=revoked, by=manager)
    pages = {
        "sign-up": client.get(path),
        "sign-up refused": sign_up(client, path, password2="something-else-entirely-42"),
        "unknown": client.get(path[:-5] + "xxxx/"),
        "revoked": client.get(revoked_path),
    }
    client.force_login(reviewer)
    pages["member"] = client.get(path)
    client.force_login(UserFactory(username="colleague"))
    pages["join"] = client.get(path)
    client.force_login(manager)
    pages["admin: created"] = client.post(ADMIN_ADD, {"project": pending.project_id, "role": "analyst"})
    pages["admin: list"] = client.get(ADMIN_LIST)
    pages["admin: revoke"] = client.get(f"{ADMIN_LIST}{pending.pk}/revoke/")
    pages["admin: revoked"] = client.get(f"{ADMIN_LIST}{revoked.pk}/revoke/")

    problems = {name: html_problems(response.text) for name, response in pages.items()}

    assert {name: found for name, found in problems.items() if found} == {}
    assert [response.status_code for response in pages.values()] == [200, 422, 404, 410, 200, 200, 201, 200, 200, 409]
