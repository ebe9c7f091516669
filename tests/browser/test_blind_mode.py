"""Blind mode in a real browser: two analysts mark the same sentence side by side, each in their
own browser, and neither sees the other's highlight; the reviewer sees both, each named."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.browser.test_workbench import select_text
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The minister said the plan works and the budget is short.\nCritics doubt it."


def browser_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def highlights(page) -> list[int]:
    return sorted(
        {
            int(pk)
            for ids in page.locator("mark[data-ids]").evaluate_all("marks => marks.map(m => m.dataset.ids)")
            for pk in ids.split()
        }
    )


def test_two_analysts_of_a_blind_project_never_see_each_others_spans(browser, live_server):
    project = ProjectFactory(blind=True)
    people = {}
    for name, role in (
        ("ana", Membership.Role.ANALYST),
        ("ben", Membership.Role.ANALYST),
        ("rita", Membership.Role.REVIEWER),
    ):
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    article = ArticleFactory(project=project, text=TEXT)

    sessions = {}
    try:
        for name in ("ana", "ben", "rita"):
            sessions[name] = browser_page(browser, live_server)
            log_in(sessions[name][1], name)
            sessions[name][1].goto(article.get_absolute_url())

        # Each analyst marks an overlapping passage as a claim, in their own browser, at the same time.
        for name, words in (("ana", "the plan works"), ("ben", "the plan works and the budget")):
            page = sessions[name][1]
            select_text(page, words)
            page.keyboard.press("c")
            expect(page.locator("#annotation-list li[data-id]")).to_have_count(1)
        ana_span = Annotation.objects.get(created_by=people["ana"])
        ben_span = Annotation.objects.get(created_by=people["ben"])

        for name, own, other in (("ana", ana_span, ben_span), ("ben", ben_span, ana_span)):
            page = sessions[name][1]
            page.reload()
            expect(page.locator("#annotation-list li[data-id]")).to_have_count(1)
            assert highlights(page) == [own.pk]
            assert other.created_by.username not in page.locator("#annotation-list").inner_text()
            assert page.locator(".hl-label[data-author]").count() == 0  # one's own carry no name
            # Its panel, asked for by address as the page would, does not exist for them.
            answer = page.request.get(f"/annotations/{other.pk}/")
            assert answer.status == 404

        reviewer = sessions["rita"][1]
        reviewer.reload()
        expect(reviewer.locator("#annotation-list li[data-id]")).to_have_count(2)
        assert highlights(reviewer) == sorted([ana_span.pk, ben_span.pk])
        for span, name in ((ana_span, "ana"), (ben_span, "ben")):
            label = reviewer.locator(f".hl-label[data-label-for='{span.pk}']")
            assert label.get_attribute("title") == f"Claim by {name}"
            # What the reader sees after the kind: "CLAIM · ana", "CLAIM · ben".
            cue = label.evaluate("label => getComputedStyle(label, '::after').content")
            assert cue == f'"· {name}"'
            assert label.evaluate("label => getComputedStyle(label, '::after').display") != "none"
        # The two analysts' cues differ in colour too.
        colours = {
            reviewer.locator(f".hl-label[data-label-for='{span.pk}']").evaluate(
                "label => getComputedStyle(label, '::after').backgroundColor"
            )
            for span in (ana_span, ben_span)
        }
        assert len(colours) == 2

        # Once the reviewer marks the article curated, ana sees ben's span, named.
        reviewer.goto(f"/admin/review/article/{article.pk}/curation/")
        reviewer.click("button:text('Mark curated')")
        reviewer.wait_for_selector("text=Curated")
        ana = sessions["ana"][1]
        ana.reload()
        expect(ana.locator("#annotation-list li[data-id]")).to_have_count(2)
        assert ana.locator(f".hl-label[data-label-for='{ben_span.pk}']").get_attribute("title") == "Claim by ben"
    finally:
        for context, _, errors in sessions.values():
            context.close()
            assert not errors, f"JavaScript errors on the page: {errors}"
