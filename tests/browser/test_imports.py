"""Importing from the browser: the page hands every import to the background worker and follows it."""

import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.articles.models import Article
from apps.imports.models import ImportJob
from tests.conftest import ENGLISH_SEED, GERMAN_SEED, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings.IMPORT_DIR


def run_worker():
    """The real database-backed worker, as `manage.py db_worker` runs it beside the server."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_several_files_at_once_report_each_file(page, analyst, tmp_path):
    english, german = ENGLISH_SEED, GERMAN_SEED
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    picture = tmp_path / "photo.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    log_in(page, analyst.username)
    page.goto("/imports/")
    page.set_input_files("input[name=files]", [english, german, empty, picture, english])
    page.click("button:text('Import')")
    page.wait_for_url("**/imports/*/")
    run_worker()
    results = page.locator(".import-results")
    expect(results.locator(".summary")).to_have_text("2 imported, 1 duplicate skipped, 2 refused.")
    expect(results.locator("tr.outcome-refused", has_text="empty.txt")).to_contain_text("The file is empty.")
    expect(results.locator("tr.outcome-refused", has_text="photo.txt")).to_contain_text("binary file")
    expect(results.locator("tr.outcome-duplicate")).to_contain_text("Same text as")
    languages = sorted(Article.objects.values_list("language", flat=True))
    assert languages == ["de", "en"]
    results.locator("tr.outcome-imported a").first.click()
    expect(page.locator("#article-text")).to_be_visible()


def test_an_import_runs_in_the_background_and_shows_its_progress(page, analyst, tmp_path, import_dir):
    files = []
    for n in range(3):
        path = tmp_path / f"feed-{n}.jsonl"
        lines = [
            json.dumps(
                {
                    "text": f"Feed {n}, item {i}: the council of district {n}-{i} met on {i} May "
                    "and approved the budget after a long debate."
                }
            )
            for i in range(40)
        ]
        path.write_text("\n".join(lines + ["[1, 2]"]))
        files.append(path)
    log_in(page, analyst.username)
    page.goto("/imports/")
    page.set_input_files("input[name=files]", files)
    page.click("button:text('Import')")
    page.wait_for_url("**/imports/*/")
    assert page.url.endswith(ImportJob.objects.get().get_absolute_url())
    expect(page.locator("#job-progress .state")).to_contain_text("Waiting for the background worker")
    assert Article.objects.count() == 0

    run_worker()

    expect(page.locator("#job-progress .state")).to_have_text("Done.")
    expect(page.locator("#job-progress .summary")).to_have_text("120 imported, 0 duplicates skipped, 3 refused.")
    expect(page.locator("tr.outcome-refused").first).to_contain_text("line 41")
    # A hundred outcomes a page; the refused ones on their own.
    expect(page.locator("#job-progress tr.outcome")).to_have_count(100)
    expect(page.locator("#job-progress .pager")).to_contain_text("Page 1 of 2")
    page.click("#job-progress .pager a:text('Next')")
    expect(page.locator("#job-progress tr.outcome")).to_have_count(23)
    page.click(".outcome-filter a:text('refused')")
    expect(page.locator("#job-progress tr.outcome-refused")).to_have_text(
        [re.compile(f"feed-{n}.jsonl line 41") for n in range(3)]
    )
    expect(page.locator("#job-progress tr.outcome-imported")).to_have_count(0)
    expect(page.locator("#job-progress .pager")).to_have_count(0)
    assert Article.objects.count() == 120
    assert not ImportJob.objects.get().uploads.exists()
    assert not any(path.is_file() for path in import_dir.rglob("*"))


def test_refusals_are_shown_in_place(page, analyst, tmp_path):
    """The page answers refusals with 422, which htmx swaps in like any other answer."""
    log_in(page, analyst.username)
    page.goto("/imports/")
    page.fill("input[name=url]", "ftp://files.example/report.txt")
    with page.expect_response("**/imports/") as answer:
        page.click("button:text('Import')")
    assert (answer.value.status, answer.value.request.headers.get("hx-request")) == (422, "true")
    expect(page.locator("#import-panel .errorlist li")).to_have_text(
        ["Only http:// and https:// addresses can be imported."]
    )

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page.fill("input[name=url]", "")
    page.set_input_files("input[name=files]", [empty])
    with page.expect_response("**/imports/") as answer:
        page.click("button:text('Import')")
    assert answer.value.status == 422
    expect(page.locator(".import-results .summary")).to_have_text("0 imported, 0 duplicates skipped, 1 refused.")
    expect(page.locator("tr.outcome-refused", has_text="empty.txt")).to_contain_text("The file is empty.")
    expect(page.locator("#import-panel .errorlist")).to_have_count(0)
    assert not ImportJob.objects.exists()
