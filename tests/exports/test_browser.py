"""Exports from the browser: download links on the article, story and project pages, and a large one in the background."""

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from apps.articles.services import join_story
from tests.conftest import log_in
from tests.imports.conftest import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def downloaded(page, link) -> bytes:
    with page.expect_download() as download:
        link.click()
    return download.value.path().read_bytes()


def test_an_analyst_downloads_the_article_the_story_and_the_project(page, analyst, project, seeded, settings):
    english, german = seeded["english"], seeded["german"]
    story = join_story(article=english, other=german, user=analyst)
    log_in(page, analyst.username)

    page.goto(english.get_absolute_url())
    data = downloaded(page, page.locator("nav.export-links a", has_text="csv"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))) == 4

    page.locator(".article-meta a", has_text=story.title[:20]).click()
    expect(page.locator("h1")).to_have_text(story.title)
    expect(page.locator("table.articles tbody tr")).to_have_count(2)
    collection = json.loads(downloaded(page, page.locator("nav.export-links a", has_text="w3c")))
    assert collection["total"] == 6

    settings.EXPORT_STREAM_MAX_ANNOTATIONS = 5
    page.goto("/articles/")
    page.select_option("select[name=project]", str(project.pk))
    page.click("button:text('Search')")
    # doccano holds approved annotations unless asked: none is, and the page says so instead of a file.
    page.locator("nav.export-links a", has_text="doccano").click()
    expect(page.locator("[role=alert]")).to_contain_text("Nothing to export: no approved annotation in the project")
    page.select_option("select[name=status]", "all")
    page.click("button:text('Show')")
    expect(page.locator("tr.export-doccano")).to_contain_text("9 spans of every status")
    page.locator("tr.export-doccano a", has_text="Download").click()
    expect(page.locator("main")).to_contain_text("9 annotations")
    page.click("button:text('Prepare the export')")
    page.wait_for_url("**/exports/jobs/*/")
    expect(page.locator("#job-progress .state")).to_contain_text("Waiting for the background worker")
    run_worker()
    expect(page.locator("#job-progress .state")).to_contain_text("Done: 9 annotations")
    lines = downloaded(page, page.locator("#job-progress a", has_text="Download")).decode().splitlines()
    assert sum(len(json.loads(line)["label"]) for line in lines) == 9
