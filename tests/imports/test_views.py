"""The import page answers a refusal with 422, whether the form or every input was refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.articles.models import Article
from tests.conftest import ENGLISH_SEED

plain_and_htmx = pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])


def post_import(client, project, headers, **data):
    response = client.post("/imports/", {"project": project.pk, **data}, headers=headers)
    html = response.content.decode()
    assert ("<html" in html) != bool(headers), "htmx gets the import panel, a plain request the page"
    return response, html


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
    assert html.count('class="errorlist') == 1
    assert error in html
    assert not Article.objects.exists()


@plain_and_htmx
def test_an_import_that_stored_nothing_and_refused_something_answers_422(analyst_client, project, headers):
    files = [
        SimpleUploadedFile("empty.txt", b""),
        SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ]
    response, html = post_import(analyst_client, project, headers, files=files)
    assert response.status_code == 422
    assert "0 imported, 0 duplicates skipped, 2 refused." in html
    assert html.count('class="outcome outcome-refused"') == 2
    assert "The file is empty." in html and "binary file" in html


@plain_and_htmx
def test_an_import_that_stored_something_answers_200_and_lists_the_refusals(analyst_client, project, headers):
    files = [SimpleUploadedFile("en.txt", ENGLISH_SEED.read_bytes()), SimpleUploadedFile("empty.txt", b"")]
    response, html = post_import(analyst_client, project, headers, files=files)
    assert response.status_code == 200
    assert "1 imported, 0 duplicates skipped, 1 refused." in html
    assert Article.objects.get().original_name == "en.txt"


def test_an_import_of_duplicates_only_is_no_refusal(analyst_client, project):
    data = ENGLISH_SEED.read_bytes()
    post_import(analyst_client, project, {}, files=[SimpleUploadedFile("en.txt", data)])
    response, html = post_import(analyst_client, project, {}, files=[SimpleUploadedFile("again.txt", data)])
    assert response.status_code == 200
    assert "0 imported, 1 duplicate skipped, 0 refused." in html
