"""A manager invites someone from the admin; the person opens the link in a browser of their own,
creates an account and lands in the project."""

import pytest
from playwright.sync_api import expect

from apps.projects.models import Invitation, Membership
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_invites_an_analyst_who_signs_up_and_sees_the_projects_articles(page, browser, live_server):
    manager = UserFactory(username="mona")
    project = MembershipFactory(user=manager, role=Membership.Role.MANAGER, project__name="Harbour deal").project
    ArticleFactory(project=project, title="Ministry confirms the harbour deal")
    ArticleFactory(project=ProjectFactory(name="Elsewhere"), title="An article of another project")

    log_in(page, "mona")
    page.get_by_role("link", name="Invitations").click()
    page.get_by_role("link", name="Add invitation").click()
    page.get_by_label("Project").select_option(label="Harbour deal")
    page.get_by_label("Role").select_option("analyst")
    page.get_by_label("Label").fill("Ana <ana@example.org>")
    page.get_by_role("button", name="Create the invitation link").click()

    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    link = page.get_by_label("Invitation link").input_value()
    assert link.startswith(f"{live_server.url}/invitations/")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copy-status")).not_to_be_empty()

    # Listed as pending, and nowhere shown again.
    page.get_by_role("link", name="Back to the invitations").click()
    row = page.locator("#result_list tbody tr", has_text="Ana <ana@example.org>")
    expect(row).to_contain_text("Pending")
    expect(row).to_contain_text("Analyst")
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert secret not in page.content()

    # The invitee: a browser of their own, never signed in.
    invitee = browser.new_context(base_url=live_server.url)
    try:
        other = invitee.new_page()
        other.set_default_timeout(10_000)
        other.goto(link)
        expect(other.get_by_role("heading", name="Join Harbour deal")).to_be_visible()
        other.get_by_label("Username").fill("ana")
        other.get_by_label("Password:", exact=True).fill("harbour-ledger-2026")
        other.get_by_label("Password confirmation:", exact=True).fill("harbour-ledger-2027")
        other.get_by_role("button", name="Create account and join").click()
        expect(other.get_by_text("The two password fields didn’t match.")).to_be_visible()

        other.get_by_label("Password:", exact=True).fill("harbour-ledger-2026")
        other.get_by_label("Password confirmation:", exact=True).fill("harbour-ledger-2026")
        other.get_by_role("button", name="Create account and join").click()

        other.wait_for_url(f"**/articles/?project={project.pk}")
        expect(other.get_by_text("Welcome, ana: you joined Harbour deal as analyst.")).to_be_visible()
        expect(other.get_by_role("link", name="Ministry confirms the harbour deal")).to_be_visible()
        expect(other.get_by_text("An article of another project")).to_have_count(0)
        expect(other.locator(".who")).to_have_text("ana")

        # The link is spent.
        response = other.goto(link)
        assert response.status == 410
        expect(other.get_by_text("This invitation has already been used.")).to_be_visible()
    finally:
        invitee.close()

    assert project.memberships.get(user__username="ana").role == "analyst"
    page.reload()
    expect(page.locator("#result_list tbody tr", has_text="Ana <ana@example.org>")).to_contain_text("Used")


def test_a_manager_revokes_a_pending_invitation_after_confirming(page, browser, live_server):
    manager = UserFactory(username="mona")
    project = MembershipFactory(user=manager, role=Membership.Role.MANAGER).project

    log_in(page, "mona")
    page.goto(f"/admin/projects/project/{project.pk}/change/")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Label").fill("Ben")
    page.get_by_role("button", name="Create the invitation link").click()
    link = page.get_by_label("Invitation link").input_value()

    page.goto(f"/admin/projects/project/{project.pk}/change/")
    page.get_by_role("link", name="Invitations", exact=True).last.click()
    page.locator("#result_list tbody tr", has_text="Ben").get_by_role("link", name="Revoke…").click()
    expect(page.get_by_text("Its link stops working at once")).to_be_visible()
    page.get_by_role("button", name="Yes, revoke it").click()
    expect(page.get_by_text("is revoked: its link no longer works")).to_be_visible()
    assert Invitation.objects.get().revoked_by == manager

    invitee = browser.new_context(base_url=live_server.url)
    try:
        other = invitee.new_page()
        response = other.goto(link)
        assert response.status == 410
        expect(other.get_by_text("This invitation was revoked.")).to_be_visible()
        expect(other.locator("input[name=password1]")).to_have_count(0)
    finally:
        invitee.close()
