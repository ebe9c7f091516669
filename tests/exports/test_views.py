import csv
import io
import json

import pytest
import rules
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.articles.services import join_story
from apps.claims.services import create_claim_from, set_verdict
from apps.exports.formats import FORMATS, ExportContext, export_chunks
from apps.exports.models import ExportJob
from apps.exports.rows import Selection
from apps.exports.tasks import remove_expired_files
from tests.conftest import client_for
from tests.exports.conftest import mark
from tests.factories import ArticleFactory
from tests.imports.conftest import run_worker


@pytest.fixture
def story(seeded, analyst):
    return join_story(article=seeded["english"], other=seeded["german"], user=analyst)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_workbench_links_its_story_and_every_export_of_the_article(client, analyst, seeded, story):
    english = seeded["english"]
    html = client_for(client, analyst).get(english.get_absolute_url()).content.decode()
    assert reverse("stories:detail", args=[story.pk]) in html
    for name in FORMATS:
        assert f'href="{reverse("exports:article", args=[english.pk, name])}"' in html


def test_story_page_lists_its_articles_in_their_languages_with_export_links(client, analyst, seeded, story):
    html = client_for(client, analyst).get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert seeded["english"].get_absolute_url() in html and seeded["german"].get_absolute_url() in html
    assert "English" in html and "German" in html and seeded["rtl"].get_absolute_url() not in html
    for name in FORMATS:
        assert reverse("exports:story", args=[story.pk, name]) in html


def test_article_list_offers_the_project_export_once_a_project_is_chosen(client, analyst, project, seeded):
    client_for(client, analyst)
    assert "Export this project" not in client.get(reverse("articles:list")).content.decode()
    html = client.get(reverse("articles:list"), {"project": project.pk}).content.decode()
    for name in FORMATS:
        assert reverse("exports:project", args=[project.pk, name]) in html


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_download_is_an_attachment_of_its_own_type(client, analyst, reviewer, project, seeded, name):
    Annotation.objects.update(status="approved", reviewed_at=timezone.now())
    claim = create_claim_from(annotation=Annotation.objects.filter(kind="claim").first(), user=analyst)
    set_verdict(claim=claim, user=reviewer, verdict="false", rationale="", base_version=1)  # for ClaimReview
    response = client_for(client, analyst).get(reverse("exports:project", args=[project.pk, name]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == FORMATS[name].content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sourcetrace-') and disposition.endswith(
        f'.{FORMATS[name].extension}"'
    )
    assert body(response)


def test_story_and_article_downloads_hold_only_their_annotations(client, analyst, seeded, story):
    client_for(client, analyst)
    story_csv = body(client.get(reverse("exports:story", args=[story.pk, "csv"]))).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(story_csv)))) == 6
    rtl = seeded["rtl"]
    article_w3c = json.loads(body(client.get(reverse("exports:article", args=[rtl.pk, "w3c"]))))
    assert article_w3c["total"] == 3
    assert article_w3c["id"] == f"{settings.SITE_URL}/exports/articles/{rtl.pk}/w3c/"
    everything = body(client.get(reverse("exports:article", args=[rtl.pk, "doccano"]), {"status": "all"}))
    assert [len(json.loads(line)["label"]) for line in everything.decode().splitlines()] == [3]


def test_other_projects_are_not_found_and_bad_requests_say_why(client, outsider, analyst, project, seeded, story):
    client_for(client, outsider)
    for url in [
        reverse("exports:project", args=[project.pk, "csv"]),
        reverse("exports:story", args=[story.pk, "csv"]),
        reverse("exports:article", args=[seeded["english"].pk, "w3c"]),
        reverse("stories:detail", args=[story.pk]),
    ]:
        assert client.get(url).status_code == 404
    client_for(client, analyst)
    unknown = client.get(reverse("exports:project", args=[project.pk, "xlsx"]))
    assert unknown.status_code == 404
    bad = client.get(reverse("exports:project", args=[project.pk, "csv"]), {"status": "maybe"})
    assert bad.status_code == 400 and "draft, submitted, approved, rejected" in bad.content.decode()
    client.logout()
    assert client.get(reverse("exports:project", args=[project.pk, "csv"])).status_code == 302


def test_export_queries_do_not_grow_with_the_annotations(project, analyst, seeded):
    def queries(fmt):
        context = ExportContext(base_url="https://x.example", id="https://x.example/e", label="e")
        with CaptureQueriesContext(connection) as captured:
            b"".join(export_chunks(FORMATS[fmt], Selection(project.pk), context))
        return len(captured)

    before = {fmt: queries(fmt) for fmt in FORMATS}
    for number in range(40):
        article = ArticleFactory(project=project, text=f"Statement {number}: the minister said the plan works.")
        mark(article, analyst, "claim", "the plan works", note="check")
    assert {fmt: queries(fmt) for fmt in FORMATS} == before


@pytest.mark.django_db(transaction=True)
def test_a_large_export_runs_in_the_background_with_progress_and_its_file(
    client, analyst, outsider, project, seeded, settings
):
    settings.EXPORT_STREAM_MAX_ANNOTATIONS = 5
    client_for(client, analyst)
    url = reverse("exports:project", args=[project.pk, "csv"])
    asked = client.get(url)
    assert asked.status_code == 200 and not asked.streaming
    assert "9 annotations" in asked.content.decode() and 'method="post"' in asked.content.decode()

    started = client.post(url)
    job = ExportJob.objects.get()
    assert started.status_code == 302 and started["Location"] == job.get_absolute_url()
    waiting = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "Waiting for the background worker" in waiting
    assert client.get(reverse("exports:job-file", args=[job.pk])).status_code == 404

    run_worker()
    job.refresh_from_db()
    assert job.state == "done" and job.done == job.total == 9
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Done: 9 annotations" in done
    download = client.get(reverse("exports:job-file", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    settings.EXPORT_STREAM_MAX_ANNOTATIONS = 100
    assert body(download) == body(client.get(url))

    client_for(client, outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("exports:job-file", args=[job.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_is_queued_again_from_its_page(client, analyst, project):
    job = ExportJob.objects.create(
        project=project,
        created_by=analyst,
        format="w3c",
        base_url="http://testserver",
        state="running",
        run=1,
        heartbeat_at=timezone.now() - timezone.timedelta(minutes=5),
    )
    html = client_for(client, analyst).get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    assert job.state == "queued" and job.restarts == 1 and "stopped" in html
    run_worker()
    job.refresh_from_db()
    assert job.state == "done" and job.size > 0


def test_hostile_titles_stay_text_on_the_export_pages(client, analyst, project, settings):
    article = ArticleFactory(project=project, title="<script>alert(1)</script>")
    mark(article, analyst, "fact", article.text.split()[0])
    settings.EXPORT_STREAM_MAX_ANNOTATIONS = 0
    html = client_for(client, analyst).get(reverse("exports:article", args=[article.pk, "csv"])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert Annotation.objects.count() == 1


@pytest.fixture
def export_refused():
    """The rule answering no, as it would for a role that may see a project but not export it."""
    original = rules.permissions.permissions["exports.export_project"]
    rules.set_perm("exports.export_project", rules.always_deny)
    yield
    rules.set_perm("exports.export_project", original)


def test_a_member_the_rule_refuses_gets_403_with_the_reason(client, analyst, project, seeded, story, export_refused):
    client_for(client, analyst)
    for url in [
        reverse("exports:project", args=[project.pk, "csv"]),
        reverse("exports:story", args=[story.pk, "w3c"]),
        reverse("exports:article", args=[seeded["english"].pk, "doccano"]),
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Only members of the project can export its annotations." in response.content.decode()


def test_files_of_old_exports_are_removed_and_their_page_says_so(client, analyst, project, private_export_folder):
    private_export_folder.mkdir(parents=True)
    (private_export_folder / "export-old.csv").write_text("x")
    old = ExportJob.objects.create(
        project=project,
        created_by=analyst,
        format="csv",
        base_url="http://testserver",
        state="done",
        file_name="export-old.csv",
        finished_at=timezone.now() - timezone.timedelta(days=8),
    )
    remove_expired_files()
    old.refresh_from_db()
    assert old.file_name == "" and not (private_export_folder / "export-old.csv").exists()
    client_for(client, analyst)
    assert "is gone" in client.get(old.get_absolute_url()).content.decode()
    assert client.get(reverse("exports:job-file", args=[old.pk])).status_code == 404


def test_story_page_costs_the_same_queries_whatever_its_size(client, analyst, project, django_assert_num_queries):
    first, second = ArticleFactory(project=project), ArticleFactory(project=project, language="de")
    story = join_story(article=first, other=second, user=analyst)
    client_for(client, analyst)
    url = reverse("stories:detail", args=[story.pk])
    client.get(url)
    # session, user with roles, story with project, its articles, the two texts shown side by side,
    # each column's annotations, new replies
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for _ in range(5):
        join_story(article=first, other=ArticleFactory(project=project), user=analyst)
    with django_assert_num_queries(8):
        html = client.get(url).content.decode()
    assert html.count("<tr") == 8  # a heading row and the seven articles
