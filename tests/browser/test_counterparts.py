"""Real browser: from an annotation of the English sample, find its counterpart in the German
version, accept it, and see the pair from both sides."""

import pytest
from playwright.sync_api import expect

from apps.annotations.services import create_annotation
from apps.stories.services import counterparts_of
from tests.conftest import log_in
from tests.stories.conftest import sample_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_in_the_other_version_accept_and_see_it_on_both_sides(page, analyst, project):
    english, german = sample_story(project)
    passage = "emerging threat"
    start = english.text.index(passage)
    first = create_annotation(
        article=english, user=analyst, kind="quote", start=start, end=start + len(passage), exact=passage
    )
    log_in(page, analyst.username)

    page.goto(english.get_absolute_url())
    page.click(f"mark[data-ids='{first.pk}']")
    page.click(f"#counterparts button.find-counterpart[data-article='{german.pk}']")
    expect(page.locator("#counterparts .counterpart-proposal blockquote")).to_have_text("aufstrebenden Bedrohung")
    page.click("#counterparts form.counterpart-accept button[type=submit]")

    expect(page.locator("#counterparts .message-success")).to_be_visible()
    expect(page.locator("#counterparts li[data-counterpart]")).to_contain_text("aufstrebenden Bedrohung")
    [second] = counterparts_of(first, analyst)
    assert (second.article_id, second.kind) == (german.pk, "quote")

    page.goto(german.get_absolute_url())
    page.click(f"mark[data-ids='{second.pk}']")
    expect(page.locator(f"#counterparts li[data-counterpart='{first.pk}']")).to_contain_text(passage)
