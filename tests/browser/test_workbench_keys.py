"""The workbench from the keyboard: a new annotation opens at once, with the focus in its panel."""

import pytest
from playwright.sync_api import expect

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.browser.test_workbench import select_text
from tests.conftest import log_in
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "The minister said the bridge reopens in 2025. Critics doubt it.\nA second paragraph follows."


@pytest.fixture
def article(db):
    user = UserFactory(username="ana")
    project = MembershipFactory(user=user, role=Membership.Role.ANALYST).project
    return ArticleFactory(project=project, text=TEXT)


@pytest.mark.parametrize("how", ["key", "button"])
def test_a_new_annotation_opens_in_the_panel_with_the_focus_in_it(page, article, how):
    log_in(page, "ana")
    page.goto(article.get_absolute_url())
    select_text(page, "the bridge reopens")
    if how == "key":
        page.keyboard.press("q")
    else:
        page.click("#selection-toolbar button[data-kind=quote]")
    panel = page.locator("#annotation-panel")
    expect(panel.locator("form.link-form")).to_be_visible()
    annotation = Annotation.objects.get()
    expect(panel).to_have_attribute("data-annotation", str(annotation.pk))
    expect(panel).to_be_focused()
    # The speaker is what comes next: the role is already "said by".
    expect(panel.get_by_label("Role")).to_have_value("said_by")
