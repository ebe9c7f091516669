"""A blind project's working day, each person in a browser of their own: a newcomer joins by an
invitation, the reviewer assigns the article to both analysts, each marks it without ever seeing
the other's spans, curation approves the passage both marked alike, and the analyst whose other
claim was rejected finds it from the header, replies and hands it in again."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.articles.models import Assignment
from apps.projects.models import Membership
from apps.projects.services import create_invitation
from tests.browser.test_blind_mode import browser_page, highlights
from tests.browser.test_workbench import select_text
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Harbour deal signed\n"
    "The minister said the harbour reopens in May. Critics say the budget is short.\n"
    "The port authority did not comment."
)
REASON = "The budget figure is the critics' opinion; mark it as their claim with a claimant."


def mark_claims_and_submit(page, passages: list[str]) -> None:
    for words in passages:
        before = page.locator("#annotation-list li[data-id]").count()
        select_text(page, words)
        page.keyboard.press("c")
        expect(page.locator("#annotation-list li[data-id]")).to_have_count(before + 1)
        page.keyboard.press("Escape")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"button:text('Submit all my drafts ({len(passages)})')")
    expect(page.locator("#messages .message-success")).to_have_text(f"{len(passages)} draft(s) submitted for review.")


def test_a_blind_day_from_invitation_to_resubmission(browser, live_server):
    project = ProjectFactory(name="Harbour", blind=True)
    manager, ben, rita = UserFactory(username="mona"), UserFactory(username="ben"), UserFactory(username="rita")
    MembershipFactory(project=project, user=manager, role=Membership.Role.MANAGER)
    MembershipFactory(project=project, user=ben, role=Membership.Role.ANALYST)
    MembershipFactory(project=project, user=rita, role=Membership.Role.REVIEWER)
    article = ArticleFactory(project=project, title="Harbour deal signed", text=TEXT)
    _, secret = create_invitation(project=project, role=Membership.Role.ANALYST, label="Ana", by=manager)

    sessions = {}
    try:
        # Ana joins through the link the manager sent her.
        sessions["ana"] = browser_page(browser, live_server)
        ana = sessions["ana"][1]
        ana.goto(f"/invitations/{secret}/")
        ana.get_by_label("Username").fill("ana")
        ana.get_by_label("Password:", exact=True).fill("harbour-ledger-2026")
        ana.get_by_label("Password confirmation:", exact=True).fill("harbour-ledger-2026")
        ana.get_by_role("button", name="Create account and join").click()
        expect(ana.get_by_text("Welcome, ana: you joined Harbour as analyst.")).to_be_visible()

        # The reviewer gives the article to both analysts.
        sessions["rita"] = browser_page(browser, live_server)
        reviewer = sessions["rita"][1]
        log_in(reviewer, "rita")
        reviewer.goto(f"/articles/?project={project.pk}")
        reviewer.check("input[aria-label='Select Harbour deal signed']")
        reviewer.check("#assignment-form label:text('ana') input")
        reviewer.check("#assignment-form label:text('ben') input")
        reviewer.click("#assignment-form button[value=assign]")
        expect(reviewer.locator("#messages .message-success")).to_contain_text("assigned")
        assert set(Assignment.objects.values_list("user__username", flat=True)) == {"ana", "ben"}

        # Each analyst marks the article independently; both mark one sentence alike.
        sessions["ben"] = browser_page(browser, live_server)
        log_in(sessions["ben"][1], "ben")
        for name, passages in (
            ("ana", ["the harbour reopens in May"]),
            ("ben", ["the harbour reopens in May", "the budget is short"]),
        ):
            page = sessions[name][1]
            page.goto(f"/articles/?project={project.pk}")
            page.get_by_role("link", name="Harbour deal signed").click()
            mark_claims_and_submit(page, passages)
        own = {
            name: list(
                Annotation.objects.filter(created_by__username=name).order_by("start").values_list("pk", flat=True)
            )
            for name in ("ana", "ben")
        }
        for name in ("ana", "ben"):
            page = sessions[name][1]
            page.reload()
            assert highlights(page) == sorted(own[name])  # only their own, nowhere another's
            other = "ben" if name == "ana" else "ana"
            assert other not in page.locator("#annotation-list").inner_text()

        # Curation: the passage both marked alike is accepted, and both versions are approved.
        reviewer.goto(f"/admin/review/article/{article.pk}/curation/")
        reviewer.locator(f"#version-{own['ana'][0]} button:text('Accept this version')").click()
        expect(reviewer.locator(f"#version-{own['ben'][0]} .status-approved")).to_be_visible()
        statuses = dict(Annotation.objects.values_list("pk", "status"))
        assert statuses[own["ana"][0]] == statuses[own["ben"][0]] == "approved"
        assert statuses[own["ben"][1]] == "submitted"  # no one else marked it: nothing rejected

        # The reviewer rejects ben's other claim with a reason on its admin page.
        reviewer.goto(f"/admin/annotations/annotation/{own['ben'][1]}/change/")
        reviewer.fill("textarea[name=reason]", REASON)
        reviewer.click("button:text('Reject')")
        expect(reviewer.locator(".messagelist")).to_contain_text("ejected")
        assert Annotation.objects.get(pk=own["ben"][1]).status == "rejected"

        # Ben finds the rejection from the header, reads why, replies and hands it in again.
        page = sessions["ben"][1]
        page.goto("/articles/")
        expect(page.locator("#unread-total")).to_have_text("1 rejected")
        page.click("#unread-total")
        page.click(".rejected-annotations a")
        panel = page.locator("#annotation-panel")
        expect(panel.locator(".rejection-notice")).to_contain_text(REASON)
        panel.locator("textarea[name=body]").fill("Agreed: it is the critics' claim. Reworded the note.")
        panel.locator(".comment-form button[type=submit]").click()
        expect(panel.locator(".comments li", has_text="critics' claim")).to_be_visible()
        panel.locator("button:text('Submit for review')").click()
        expect(panel.locator(".message-success")).to_have_text("Submitted for review.")
        assert Annotation.objects.get(pk=own["ben"][1]).status == "submitted"
        expect(panel.locator(".discussion .rejection")).to_contain_text(REASON)

        # Ana still sees only her own work: the article is not marked curated.
        ana.reload()
        assert highlights(ana) == own["ana"]
    finally:
        for context, _, errors in sessions.values():
            context.close()
            assert not errors, f"JavaScript errors on the page: {errors}"
