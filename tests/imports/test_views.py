"""The import page: refusals answered at once with 422 or 413, everything else handed to a job."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.articles.models import Article
from apps.imports.models import ImportJob
from tests.conftest import ENGLISH_SEED, client_for
from tests.imports.conftest import run_worker

plain_and_htmx = pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])


def post_import(client, project, headers, **data):
    response = client.post("/imports/", {"project": project.pk, **data}, headers=headers)
    html = response.content.decode()
    return response, html


def followed_job(client, response, headers) -> ImportJob:
    """The job the page went to: a redirect, or for htmx an HX-Redirect the browser follows."""
    job = ImportJob.objects.get()
    location = response.headers["HX-Redirect"] if headers else response.url
    assert response.status_code == (200 if headers else 302)
    assert location == job.get_absolute_url()
    return job


@plain_and_htmx
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"url": "ftp://files.example/report.txt"}, "Only http:// and https:// addresses can be imported."),
        ({"url": "not an address"}, "Enter a valid URL."),
        ({"text": "  "}, "Paste some text, choose files or give a web address."),
    ],
    ids=["ftp", "bad-url", "nothing"],
)
def test_an_invalid_form_shows_one_error_with_422(analyst_client, project, headers, data, error):
    response, html = post_import(analyst_client, project, headers, **data)
    assert response.status_code == 422
    assert ("<html" in html) != bool(headers), "htmx gets the import panel, a plain request the page"
    assert html.count('class="errorlist') == 1
    assert error in html
    assert not Article.objects.exists() and not ImportJob.objects.exists()


@plain_and_htmx
def test_files_that_are_all_refused_at_a_glance_are_answered_at_once_with_422(
    analyst_client, project, headers, import_dir
):
    files = [
        SimpleUploadedFile("empty.txt", b""),
        SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        SimpleUploadedFile("slides.pdf", b"%PDF-1.4"),
    ]
    response, html = post_import(analyst_client, project, headers, files=files)
    assert response.status_code == 422
    assert "0 imported, 0 duplicates skipped, 3 refused." in html
    assert html.count('class="outcome outcome-refused"') == 3
    assert "The file is empty." in html and "binary file" in html and "“.pdf” files are not supported" in html
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in import_dir.rglob("*")), "nothing of the refused upload stays"


@plain_and_htmx
@pytest.mark.django_db(transaction=True)
def test_an_import_is_a_job_whose_page_lists_each_file_once_the_worker_ran(client, analyst, project, headers):
    client_for(client, analyst)
    files = [SimpleUploadedFile("en.txt", ENGLISH_SEED.read_bytes()), SimpleUploadedFile("empty.txt", b"")]
    response, _ = post_import(client, project, headers, files=files, text="A short note on the council meeting today.")
    job = followed_job(client, response, headers)
    assert not Article.objects.exists(), "the web worker imports nothing itself"
    run_worker()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Done." in page and "2 imported, 0 duplicates skipped, 1 refused." in page
    assert [(a.original_name, a.imported_by) for a in Article.objects.order_by("pk")] == [
        ("pasted text", analyst),
        ("en.txt", analyst),
    ]
    assert page.index("pasted text") < page.index("en.txt") < page.index("The file is empty.")


@pytest.mark.django_db(transaction=True)
def test_a_web_address_is_fetched_by_the_worker_and_refused_on_its_page(client, analyst, project):
    client_for(client, analyst)
    response, _ = post_import(client, project, {}, url="http://127.0.0.1:9/article")
    job = followed_job(client, response, {})
    run_worker()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "0 imported, 0 duplicates skipped, 1 refused." in page
    assert "points into a private or local network" in page


@pytest.mark.django_db(transaction=True)
def test_an_import_of_duplicates_only_is_done_not_failed(client, analyst, project):
    client_for(client, analyst)
    data = ENGLISH_SEED.read_bytes()
    post_import(client, project, {}, files=[SimpleUploadedFile("en.txt", data)])
    response, _ = post_import(client, project, {}, files=[SimpleUploadedFile("again.txt", data)])
    run_worker()
    page = client.get(response.url).content.decode()
    assert "Done." in page and "0 imported, 1 duplicate skipped, 0 refused." in page


@plain_and_htmx
def test_an_upload_over_the_limit_is_refused_with_413_and_nothing_is_kept(
    analyst_client, project, headers, settings, import_dir
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 20_000
    files = [SimpleUploadedFile(f"part{n}.jsonl", b"x" * 8_000) for n in range(3)]
    response, html = post_import(analyst_client, project, headers, files=files)
    assert response.status_code == 413
    assert "This upload (23.9\xa0KB) is larger than the 19.5\xa0KB that can be uploaded at once." in html
    assert "Nothing was imported" in html
    assert 'role="alert"' in html and ("<html" in html) != bool(headers)
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in import_dir.rglob("*")), "nothing of the refused upload stays"


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_limit_costs_only_itself_and_a_jsonl_file_has_no_limit(client, analyst, project, settings):
    """Only JSON Lines are read line by line; any other file must fit IMPORT_MAX_BYTES whole."""
    settings.IMPORT_MAX_BYTES = 2_000
    client_for(client, analyst)
    lines = [json.dumps({"text": f"Dispatch {n}: the port of town {n} reopened on {n} June."}) for n in range(60)]
    dump = "\n".join(lines).encode()
    assert len(dump) > settings.IMPORT_MAX_BYTES
    files = [
        SimpleUploadedFile("big.html", b"<p>" + b"words " * 1_000 + b"</p>"),
        SimpleUploadedFile("dump.jsonl", dump),
        SimpleUploadedFile("note.txt", b"Die Regierung hat am Montag ein neues Gesetz beschlossen."),
    ]
    response, _ = post_import(client, project, {}, files=files)
    job = followed_job(client, response, {})
    kept = {upload.name: upload for upload in job.uploads.all()}
    assert (kept["big.html"].size, len(open(kept["big.html"].path, "rb").read())) == (6007, 0)
    run_worker()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "61 imported, 0 duplicates skipped, 1 refused." in page
    assert "The file is 5.9\xa0KB; the limit is 2.0\xa0KB." in page
    assert Article.objects.count() == 61


def test_the_import_page_still_checks_the_csrf_token(project, analyst):
    """The view sets its upload handler before the CSRF check reads the body; the check still runs."""
    from django.test import Client

    from apps.imports.models import ImportJob

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post("/imports/", {"project": project.pk, "text": "A pasted article about the harbour."})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_repeated_text_with_richer_metadata_fills_the_empty_fields_and_the_page_says_so(client, analyst, project):
    client_for(client, analyst)
    text = ENGLISH_SEED.read_text()
    post_import(client, project, {}, files=[SimpleUploadedFile("en.txt", text.encode())])
    run_worker()
    article = Article.objects.get()
    article.author = "Kept Author"  # corrected by hand before: never overwritten
    article.save(update_fields=["author"])
    richer = {
        "text": text,
        "url": "https://news.example/belarus",
        "author": "Someone Else",
        "publisher": "Raksha Anirveda",
        "published": "2025-03-04",
    }
    line = json.dumps(richer).encode()
    response, _ = post_import(client, project, {}, files=[SimpleUploadedFile("crawl.jsonl", line)])
    run_worker()

    page = client.get(response.url).content.decode()
    assert "1 duplicate skipped" in page
    assert "Its empty web address, publication date, publisher filled in from this one." in page
    article.refresh_from_db()
    assert article.url == "https://news.example/belarus"
    assert article.published_on.isoformat() == "2025-03-04"
    assert article.publisher.name == "Raksha Anirveda"
    assert article.author == "Kept Author"

    # The same again has nothing left to fill, and says nothing of it.
    response, _ = post_import(client, project, {}, files=[SimpleUploadedFile("again.jsonl", line)])
    run_worker()
    page = client.get(response.url).content.decode()
    assert "1 duplicate skipped" in page and "filled in" not in page
