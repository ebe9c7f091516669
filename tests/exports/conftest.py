import subprocess
import sys
from pathlib import Path

import pytest

from apps.annotations.models import Annotation, Link
from apps.annotations.services import create_annotation, link_source, update_annotation
from apps.articles.models import Article
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from apps.sources.models import Source
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory, SourceFactory

# Copies kept in the repository (see their READMEs), so that a clone tests itself anywhere.
TESTS = Path(__file__).resolve().parents[1]
CHECKER = TESTS / "conformance" / "check_w3c_annotation.py"
PEER_SAMPLES = TESTS / "peer_samples"
# Arabic and Hebrew, an emoji of two code points (a joiner sequence of three) before the spans.
RTL_TEXT = (
    "قال الوزير إن 120 شخصًا أُجلوا من المدينة 🏙️ بعد الفيضان.\n"
    "הדובר אמר: „אנחנו צופים עוד 40 מקרים“ 👩‍🔬 והוסיף שהמצב יציב."
)


def mark(article, user, kind, words, occurrence=0, **changes) -> Annotation:
    """Annotate the `occurrence`-th place of `words` in the article's text."""
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(words, start + 1)
    annotation = create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(words), exact=words
    )
    if changes:
        annotation = update_annotation(annotation=annotation, user=user, base_version=annotation.version, **changes)
    return annotation


@pytest.fixture
def seeded(project, analyst):
    """The English and German sample articles, imported as the import does, annotated with every
    kind, overlapping spans, notes, tags and sources; and an Arabic / Hebrew article with emoji."""
    items = [item for path in (ENGLISH_SEED, GERMAN_SEED) for item in read_upload(path.name, path.read_bytes())]
    import_items(project=project, items=items, user=analyst)
    english = Article.objects.get(project=project, language="en")
    german = Article.objects.get(project=project, language="de")
    rtl = ArticleFactory(
        project=project, title="تقرير / דיווח", text=RTL_TEXT, language="ar", url="https://news.example/ar/1"
    )
    person = SourceFactory(
        project=project, name="Arkady Mil-Man", kind=Source.Kind.PERSON, url="https://www.inss.org.il/"
    )
    institute = SourceFactory(project=project, name="INSS", kind=Source.Kind.ORGANISATION)

    quote = mark(english, analyst, "quote", "This agreement should raise heavy concerns in the West.")
    link_source(annotation=quote, source=person, role=Link.Role.SAID_BY, user=analyst)
    link_source(annotation=quote, source=institute, role=Link.Role.CITED, user=analyst)
    claim = mark(
        english,
        analyst,
        "claim",
        "Belarus is in fact an integral part of Russia",
        note='=HYPERLINK("http://evil.example") a note that looks like a formula',
        tags=["russia", "+belarus"],
    )
    link_source(annotation=claim, source=person, role=Link.Role.CLAIMANT, user=analyst)
    mark(english, analyst, "claim", "Belarus is in fact an integral part of Russia and operates")  # overlaps
    mark(english, analyst, "fact", "Pakistan is a nuclear capable country")
    mark(german, analyst, "claim", "Belarus ist faktisch ein integraler Bestandteil Russlands")
    mark(german, analyst, "quote", "„sollte im Westen große Besorgnis erregen.")
    mark(rtl, analyst, "claim", "120 شخصًا أُجلوا من المدينة 🏙️", note="Zahl prüfen 👍")
    mark(rtl, analyst, "quote", "אנחנו צופים עוד 40 מקרים")
    mark(rtl, analyst, "fact", "👩‍🔬 והוסיף")
    return {"english": english, "german": german, "rtl": rtl}


def check_w3c(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECKER), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(autouse=True)
def private_export_folder(settings, tmp_path):
    """Large exports of a test are written to its own folder."""
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR
