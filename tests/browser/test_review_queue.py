"""The review queue in the admin decides on checked rows together, each from the version the page
showed; the annotation list fits a 1,400 px window without cutting a column."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.annotations.models import Annotation, Comment, Link
from apps.annotations.services import Decision, review_annotation
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The mayor said the bridge reopens in May.\nCritics doubt it.\nThe council met on Monday.\nBudget: 4 million."
QUEUE = "/admin/annotations/annotation/queue/"


def desk():
    analyst, reviewer = UserFactory(username="ana"), UserFactory(username="rev")
    membership = MembershipFactory(user=analyst, role=Membership.Role.ANALYST)
    MembershipFactory(user=reviewer, project=membership.project, role=Membership.Role.REVIEWER)
    second = UserFactory(username="rev2")
    MembershipFactory(user=second, project=membership.project, role=Membership.Role.REVIEWER)
    return analyst, reviewer, second, membership.project


def row(page, annotation):
    return page.locator(f"#queue-form input[name=_selected_action][value='{annotation.pk}']")


def test_reviewer_rejects_approves_and_sends_back_from_the_queue_and_hears_of_changed_rows(page):
    analyst, _, second, project = desk()
    article = ArticleFactory(project=project, text=TEXT)
    spans = [(0, 9), (19, 25), (42, 49), (60, 71), (87, 93)]
    annotations = []
    for minutes, (start, end) in zip((50, 40, 30, 20, 10), spans, strict=True):
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=end, status="submitted")
        Annotation.objects.filter(pk=annotation.pk).update(
            updated_at=timezone.now() - timezone.timedelta(minutes=minutes)
        )
        annotations.append(annotation)
    first, second_one, third, fourth, fifth = annotations

    log_in(page, "rev")
    page.goto(QUEUE)
    expect(page.locator("#content-main")).to_contain_text("5 annotations wait for a decision")
    select_all = page.locator("#queue-select-all")
    select_all.check()
    for annotation in annotations:
        expect(row(page, annotation)).to_be_checked()
    select_all.uncheck()
    row(page, first).check()
    row(page, second_one).check()

    # Rejecting without a reason is refused, the reason marked and the rows still checked.
    page.click("button[name=decision][value=reject]")
    reason = page.locator("#id_bulk_reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#bulk-reason-errors")).to_contain_text("Say why they are rejected")
    expect(row(page, first)).to_be_checked()
    expect(row(page, second_one)).to_be_checked()
    expect(row(page, third)).not_to_be_checked()
    assert set(Annotation.objects.values_list("status", flat=True)) == {"submitted"}
    reason.fill("No source for the date.")
    page.click("button[name=decision][value=reject]")
    expect(page.locator(".messagelist")).to_contain_text("2 rejected.")
    expect(page.locator("#content-main")).to_contain_text("3 annotations wait for a decision")

    row(page, third).check()
    row(page, fourth).check()
    # After the page was shown, another reviewer sends the fourth back to its author.
    review_annotation(
        annotation=Annotation.objects.get(pk=fourth.pk), user=second, decision=Decision.DRAFT, seen_version=1
    )
    page.click("button[name=decision][value=approve]")
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("1 approved, 1 changed since you loaded the page.")
    expect(messages).to_contain_text("it is a draft now (version 2, sent back to draft by rev2)")

    row(page, fifth).check()
    page.click("button[name=decision][value=draft]")
    expect(page.locator(".messagelist")).to_contain_text("1 sent back to draft.")
    expect(page.locator("#content-main")).to_contain_text("Nothing waits for you.")
    statuses = dict(Annotation.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in annotations] == ["rejected", "rejected", "approved", "draft", "draft"]
    assert Annotation.objects.get(pk=first.pk).rejection().comment == "No source for the date."


# What a busy list holds: long passages, titles, names and words that do not break.
LONG_TEXT = (
    "The Minister of Infrastructure and Regional Development said the Øresund bridge reopens in May after the "
    "repairs of its cable-stayed section, https://news.example/2026/12/07/infrastructure-ministry-bridge-reopening "
    "Rechtsschutzversicherungsgesellschaften doubt it.\nThe council met on Monday."
)


def assert_fits(page, table):
    """No scrollbar across the page or the table, and every header whole and inside the window."""
    sizes = page.evaluate(
        """(table) => {
            const results = document.querySelector(table).parentElement;
            const page = document.documentElement;
            return {
                page: [page.scrollWidth, page.clientWidth],
                results: [results.scrollWidth, results.clientWidth],
                headers: [...document.querySelectorAll(table + " thead th")].map((th) => {
                    const box = th.getBoundingClientRect();
                    const label = th.querySelector(".text") || th;
                    return [th.innerText.trim(), box.right, label.scrollWidth, label.clientWidth];
                }),
            };
        }""",
        table,
    )
    assert sizes["page"][0] <= sizes["page"][1], f"the page scrolls sideways: {sizes['page']}"
    assert sizes["results"][0] <= sizes["results"][1], f"the table scrolls sideways: {sizes['results']}"
    for text, right, needed, shown in sizes["headers"]:
        assert right <= 1400, f"the column {text!r} ends outside the window ({right} px)"
        assert needed <= shown, f"the header {text!r} is cut ({needed} px needed, {shown} px shown)"


def test_the_annotation_list_and_the_queue_fit_1400_px_without_cutting_a_column(page):
    assert page.viewport_size["width"] == 1400
    analyst = UserFactory(username="analyst-with-a-rather-long-user-name")
    reviewer = UserFactory(username="rev")
    membership = MembershipFactory(
        user=analyst, role=Membership.Role.ANALYST, project__name="Infrastructure and regional development desk"
    )
    project = membership.project
    MembershipFactory(user=reviewer, project=project, role=Membership.Role.REVIEWER)
    article = ArticleFactory(
        project=project,
        text=LONG_TEXT,
        title="Infrastructure ministry announces the reopening of the Øresund bridge after two years of repairs "
        "(https://news.example/2026/12/07/infrastructure-ministry-bridge-reopening)",
    )
    speaker = SourceFactory(project=project, name="Minister of Infrastructure and Regional Development")
    ministry = SourceFactory(project=project, name="Bundesministerium für Digitales und Verkehr")
    url = LONG_TEXT.index("https://")
    spans = [(0, LONG_TEXT.index("\n")), (4, 12), (url - 37, url + 40), (url, LONG_TEXT.index(" doubt"))]
    for start, end in spans:
        annotation = AnnotationFactory(article=article, created_by=analyst, start=start, end=end, status="submitted")
        Link.objects.create(annotation=annotation, source=speaker, role="claimant")
        Link.objects.create(annotation=annotation, source=ministry, role="claimant")
        Comment.objects.create(annotation=annotation, author=analyst, body="Please look again.")

    log_in(page, "rev")
    page.goto("/admin/annotations/annotation/")
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    expect(page.locator("#changelist-filter")).to_be_visible()  # the filters beside the list
    assert_fits(page, "#result_list")
    page.goto(QUEUE)
    expect(page.locator("table.queue tbody tr")).to_have_count(4)
    assert_fits(page, "table.queue")
