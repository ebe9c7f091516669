"""A decomposed (NFD) text is stored composed (NFC), its spans on the same characters at other
offsets: the import's summary says so, on its page, in the API and on the command line."""

import io
import json
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.imports.models import ImportJob
from tests.conftest import client_for
from tests.imports.conftest import run_worker

# A German sentence, and the same with its accented letters decomposed (e + U+0301, u + U+0308...).
COMPOSED = "Der Bericht aus dem Café Müller: „Die Maßnahme wirkt“, sagte die Ärztin."
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
QUOTE = "Die Maßnahme wirkt"


def doccano_line(text: str) -> bytes:
    start = text.index(unicodedata.normalize("NFD", QUOTE))
    label = [[start, start + len(unicodedata.normalize("NFD", QUOTE)), "QUOTE"]]
    return json.dumps({"text": text, "label": label, "lang": "de"}, ensure_ascii=False).encode() + b"\n"


@pytest.mark.django_db(transaction=True)
def test_the_import_summary_says_which_texts_were_normalised_and_that_their_spans_moved(client, analyst, project):
    assert DECOMPOSED != COMPOSED and len(DECOMPOSED) > len(COMPOSED)
    client_for(client, analyst)
    upload = SimpleUploadedFile("nfd.jsonl", doccano_line(DECOMPOSED) + doccano_line(COMPOSED.replace("Café", "Cafe")))
    response = client.post("/imports/", {"project": project.pk, "files": [upload]})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    run_worker()

    page = client.get(job.get_absolute_url()).content.decode()
    assert "1 text was normalised to NFC; its spans cover the same characters at new offsets." in page
    assert "Its text was normalised to NFC (composed characters); its spans cover the same characters" in page
    job.refresh_from_db()
    assert (job.imported, job.normalised) == (2, 1)
    stored = Article.objects.get(project=project, original_name="nfd.jsonl line 1")
    assert stored.text == COMPOSED
    quote = Annotation.objects.get(article=stored)
    assert stored.text[quote.start : quote.end] == QUOTE and quote.start == COMPOSED.index(QUOTE)
    assert quote.start != DECOMPOSED.index(unicodedata.normalize("NFD", QUOTE))

    api = client.get(reverse("api:v1:import_job", args=[job.pk])).json()
    assert api["normalised"] == 1


def test_the_command_line_import_says_so_too(project, tmp_path):
    path = tmp_path / "nfd.jsonl"
    path.write_bytes(doccano_line(DECOMPOSED))
    out = io.StringIO()
    call_command("import_articles", project.name, str(path), processes=1, stdout=out)
    assert "1 text was normalised to NFC; its spans cover the same characters at new offsets." in out.getvalue()
    path.write_bytes(doccano_line(COMPOSED.replace("Ärztin", "Arztin")))
    out = io.StringIO()
    call_command("import_articles", project.name, str(path), processes=1, stdout=out)
    assert "normalised" not in out.getvalue()
