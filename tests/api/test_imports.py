"""Imports through the API are the import page's: the same form, checks, job and outcomes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.articles.models import Article
from apps.imports.models import ImportJob
from apps.projects.models import Membership
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import MembershipFactory, ProjectFactory
from tests.imports.conftest import run_worker

ITEMS = [
    {
        "title": "Council vote",
        "text": "The council of Springfield approved the 2027 budget on Monday by 7 votes to 2.",
        "lang": "en",
    },
    {"headline": "Rathaus", "html": "<p>Der Stadtrat von Bern hat am Montag den Haushalt 2027 beschlossen.</p>"},
    {"title": "Nothing in it"},
    {
        "title": "Council vote again",
        "text": "The council of Springfield approved the 2027 budget on Monday by 7 votes to 2.",
        "lang": "en",
    },
]


@pytest.fixture
def second_project(analyst):
    """Another project of the same analyst, for the same import through the other door."""
    project = ProjectFactory()
    MembershipFactory(project=project, user=analyst, role=Membership.Role.ANALYST)
    return project


def job_outcomes(api, response) -> dict:
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "queued" and job["outcomes"] is None
    assert response["Location"] == f"/api/v1/imports/{job['id']}"
    run_worker()
    done = api.get(f"/imports/{job['id']}").json()
    assert done["state"] == "done"
    return done


def stored(project) -> list[tuple]:
    return list(
        Article.objects.filter(project=project)
        .order_by("pk")
        .values_list("title", "text", "language", "author", "imported_by")
    )


def page_outcomes(client, job) -> list[tuple]:
    return [(o.status, o.message) for o in job.listed_outcomes.all()]


@pytest.mark.django_db(transaction=True)
def test_articles_in_a_json_body_are_imported_as_a_jsonl_upload_on_the_page_is(
    analyst_client, analyst_api, project, second_project
):
    jsonl = "\n".join(json.dumps(item) for item in ITEMS).encode()
    analyst_client.post("/imports/", {"project": project.pk, "files": [SimpleUploadedFile("dump.jsonl", jsonl)]})
    run_worker()
    page_job = ImportJob.objects.get(project=project)

    done = job_outcomes(analyst_api, analyst_api.post("/imports", {"project": second_project.pk, "articles": ITEMS}))

    assert (
        (done["imported"], done["duplicates"], done["refused"])
        == (page_job.imported, page_job.duplicates, page_job.refused)
        == (2, 1, 1)
    )
    assert [(o["status"], o["message"]) for o in done["outcomes"]] == page_outcomes(analyst_client, page_job)
    assert stored(second_project) == stored(project)
    assert [o["article"] for o in done["outcomes"] if o["status"] == "imported"] == list(
        Article.objects.filter(project=second_project).order_by("pk").values_list("pk", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_uploads_pasted_text_and_refusals_come_out_as_on_the_page(analyst_api, analyst, project):
    response = analyst_api.client.post(
        "/api/v1/imports/upload",
        {
            "project": project.pk,
            "text": "A short note on the council meeting today.",
            "files": [SimpleUploadedFile("en.txt", ENGLISH_SEED.read_bytes()), SimpleUploadedFile("empty.txt", b"")],
        },
        headers=analyst_api.headers,
    )
    done = job_outcomes(analyst_api, response)
    assert (done["imported"], done["duplicates"], done["refused"]) == (2, 0, 1)
    assert [(o["label"], o["status"]) for o in done["outcomes"]] == [
        ("pasted text", "imported"),
        ("en.txt", "imported"),
        ("empty.txt", "refused"),
    ]
    assert done["outcomes"][2]["message"] == "The file is empty."
    assert [(a.original_name, a.imported_by) for a in Article.objects.order_by("pk")] == [
        ("pasted text", analyst),
        ("en.txt", analyst),
    ]


def test_files_all_refused_at_a_glance_are_422_with_each_reason(analyst_api, project):
    files = [
        SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        SimpleUploadedFile("slides.pdf", b"%PDF-1.4"),
    ]
    response = analyst_api.client.post(
        "/api/v1/imports/upload", {"project": project.pk, "files": files}, headers=analyst_api.headers
    )
    assert response.status_code == 422
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages[0].startswith("photo.txt: ") and "binary file" in messages[0]
    assert messages[1].startswith("slides.pdf: ") and "“.pdf” files are not supported" in messages[1]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://files.example/report.txt"}, "url", "Only http:// and https:// addresses can be imported."),
        ({"url": "not an address"}, "url", "Enter a valid URL."),
        ({"text": "  "}, "__all__", "Paste some text, choose files or give a web address."),
    ],
)
def test_the_import_forms_refusals_are_422_with_the_pages_message(analyst_api, project, body, field, message):
    response = analyst_api.post("/imports", {"project": project.pk, **body})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(analyst_api, project, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 20_000
    files = [SimpleUploadedFile(f"part{n}.jsonl", b"x" * 8_000) for n in range(3)]
    response = analyst_api.client.post(
        "/api/v1/imports/upload", {"project": project.pk, "files": files}, headers=analyst_api.headers
    )
    assert response.status_code == 413
    assert "is larger than the 19.5\xa0KB that can be uploaded at once" in response.json()["message"]
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in settings.IMPORT_DIR.rglob("*"))


def test_importing_into_another_project_is_404_and_its_jobs_are_unseen(
    analyst_api, outsider_api, project, other_project, analyst
):
    assert analyst_api.post("/imports", {"project": other_project.pk, "text": "Hello there."}).status_code == 404
    job = ImportJob.objects.create(project=project, created_by=analyst)
    assert outsider_api.get(f"/imports/{job.pk}").status_code == 404
    assert analyst_api.get(f"/imports/{job.pk}").json()["state"] == "queued"


def test_an_upload_without_credentials_is_401(anonymous_api, project):
    files = [SimpleUploadedFile("de.txt", GERMAN_SEED.read_bytes())]
    response = anonymous_api.client.post("/api/v1/imports/upload", {"project": project.pk, "files": files})
    assert response.status_code == 401 and not ImportJob.objects.exists()


def test_a_json_body_over_the_request_limit_is_413(analyst_api, project, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = analyst_api.post("/imports", {"project": project.pk, "text": "Long enough. " * 200})
    assert response.status_code == 413 and "larger than this server accepts" in response.json()["message"]
    assert not ImportJob.objects.exists()
