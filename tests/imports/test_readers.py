import codecs
import gzip
import io
import json
import random
import struct
import threading
import unicodedata
import zipfile
import zlib

import pytest
from django.core.management import call_command
from django.db import connection

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.imports.normalise import clean_text, decode_bytes, detect_language, parse_html_fragment
from apps.imports.readers import read_pasted, read_upload
from apps.imports.store import import_items
from tests.conftest import ENGLISH_SEED, GERMAN_SEED

GERMAN = "Die Regierung hat am Montag in Berlin ein neues Gesetz über die Förderung erneuerbarer Energien beschlossen."


def stdin(text: str) -> io.TextIOWrapper:
    """Standard input holding `text`; the command reads its bytes (sys.stdin.buffer)."""
    return io.TextIOWrapper(io.BytesIO(text.encode()))


def items(name, data):
    return list(read_upload(name, data))


@pytest.mark.parametrize(
    "encoded",
    [
        GERMAN.encode("utf-8"),
        codecs.BOM_UTF8 + GERMAN.encode("utf-8"),
        codecs.BOM_UTF16_LE + GERMAN.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"),
        GERMAN.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252"],
)
def test_each_encoding_decodes_to_the_same_text(encoded):
    assert clean_text(decode_bytes(encoded)) == GERMAN


def test_normalisation_keeps_joiners_marks_rtl_and_emoji():
    raw = "Cafe\u0301 👨\u200d👩\u200d👧 مرحبا \u200fok\x00\x07  \r\nnext\rline\t tab  "
    assert clean_text(raw) == "Café 👨\u200d👩\u200d👧 مرحبا \u200fok\nnext\nline\t tab"


def test_every_control_character_but_line_feed_and_tab_is_dropped():
    # CR is not dropped but turned into a line feed, as tested above.
    controls = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc" and c not in b"\t\n\r")
    assert len(controls) == 62
    assert clean_text(f"x\t{controls}y\nz") == "x\ty\nz"


def test_pipeline_is_deterministic():
    data = ENGLISH_SEED.read_bytes()
    texts = {items("a.txt", data)[0].draft.parsed.text for _ in range(3)}
    assert len(texts) == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("bad.txt", b"caf\x81 \x8d", "could not be decoded"),
        ("doc.pdf", b"%PDF-1.4", "not supported"),
        ("bad16.txt", codecs.BOM_UTF16_LE + b"\x00\xd8a", "not valid"),
    ],
)
def test_refusals_have_a_clear_reason(name, data, message):
    [item] = items(name, data)
    assert item.draft is None
    assert message in item.error


def test_size_limit_is_configurable(settings):
    settings.IMPORT_MAX_BYTES = 100
    [item] = items("big.txt", b"word " * 50)
    assert item.draft is None
    assert item.error == "The file is 250\xa0bytes; the limit is 100\xa0bytes."


def test_jsonl_reports_bad_lines_and_imports_good_ones(project):
    lines = [
        json.dumps({"text": "First good article about the harbour strike in Hamburg.", "title": "One"}),
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"title": "no text"}),
        json.dumps({"text": "Second good article about the budget vote in Vienna.", "language": "de-AT"}),
    ]
    outcomes = import_items(project=project, items=read_upload("batch.jsonl", "\n".join(lines).encode()))
    assert [o.status for o in outcomes] == ["imported", "refused", "refused", "refused", "imported"]
    assert [o.label for o in outcomes if o.status == "refused"] == [
        "batch.jsonl line 2",
        "batch.jsonl line 3",
        "batch.jsonl line 4",
    ]
    assert Article.objects.get(title="One").language in {"en", "und"}
    assert Article.objects.exclude(title="One").get().language == "de"


def test_html_keeps_text_and_metadata_but_never_markup(project):
    html = """<html lang="de"><head><title>T</title><meta name="author" content="Hans Müller">
    <meta property="og:site_name" content="Tagesblatt"><meta property="article:published_time" content="2025-03-04">
    </head><body><nav>Home | About</nav><article><h1>Großer Titel</h1>
    <p>Erster Absatz mit <b>fett</b> und <a href="x">Link</a>, lang genug um als Artikeltext zu gelten, ganz sicher.</p>
    <script>alert('x')</script><p>Zweiter Absatz 🌍 mit &lt;script&gt; als Text, ebenfalls lang genug für den Extraktor.</p>
    </article><footer>Impressum</footer></body></html>"""
    [outcome] = import_items(project=project, items=read_upload("page.html", html.encode()))
    article = outcome.article
    assert article.title == "Großer Titel"
    assert article.text.startswith("Großer Titel\nErster Absatz mit fett und Link")
    assert "alert" not in article.text and "Impressum" not in article.text
    assert "<script> als Text" in article.text
    assert article.headings == [0]
    assert (article.language, article.author, str(article.publisher), str(article.published_on)) == (
        "de",
        "Hans Müller",
        "Tagesblatt",
        "2025-03-04",
    )


def test_language_detection_is_cautious():
    assert detect_language(ENGLISH_SEED.read_text()) == "en"
    assert detect_language(GERMAN_SEED.read_text()) == "de"
    assert detect_language("Short note.") == "und"
    mixed = ENGLISH_SEED.read_text()[:900] + "\n" + GERMAN_SEED.read_text()[:900]
    assert detect_language(mixed) == "und"
    assert detect_language("🌍🔥🎉 👍👍 🙂 " * 20) == "und"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "قال وزير الخارجية إن الاتفاق الجديد سيعزز التعاون الدفاعي بين البلدين خلال السنوات المقبلة."),
        ("ur", "وزیر خارجہ نے کہا کہ نیا معاہدہ آنے والے برسوں میں دونوں ممالک کے درمیان دفاعی تعاون کو مضبوط کرے گا۔"),
        ("fa", "وزیر امور خارجه گفت که توافق جدید همکاری دفاعی بین دو کشور را در سال‌های آینده تقویت خواهد کرد."),
        ("he", "שר החוץ אמר כי ההסכם החדש יחזק את שיתוף הפעולה הביטחוני בין שתי המדינות בשנים הבאות."),
        ("ru", "Министр иностранных дел заявил, что новое соглашение укрепит оборонное сотрудничество между странами."),
    ],
)
def test_language_detection_reads_other_scripts(language, text):
    assert detect_language(text) == language


def test_title_falls_back_to_first_line_cut_on_a_word():
    item = read_pasted("A" * 5 + " " + "word " * 60 + "\nsecond line")
    assert item.draft.title.endswith("…") and len(item.draft.title) <= 121
    assert " wor…" not in item.draft.title


def test_doccano_and_label_studio_spans_become_annotations(project, analyst):
    text = "Officials said “the bridge is safe” on Monday.\r\nThe bridge closed on Tuesday."
    doccano = {"text": text, "label": [[15, 35, "Quote"], [0, 9, "Person"]]}
    clean = clean_text(text)
    studio = {
        "data": {"text": "Rain 🌧 fell. Prices rose 5%."},
        "annotations": [
            {
                "result": [
                    {"type": "labels", "value": {"start": 13, "end": 27, "text": "Prices rose 5%", "labels": ["Fact"]}}
                ]
            }
        ],
    }
    data = (json.dumps(doccano) + "\n" + json.dumps(studio)).encode()
    outcomes = import_items(project=project, items=read_upload("export.jsonl", data), user=analyst)
    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert "1 span(s) could not be placed" in outcomes[0].message  # the "Person" label
    quote = Annotation.objects.get(kind="quote")
    assert quote.exact == "“the bridge is safe”" == clean[quote.start : quote.end]
    fact = Annotation.objects.get(kind="fact")
    assert fact.exact == "Prices rose 5%"


def test_same_text_is_imported_once(project):
    data = GERMAN_SEED.read_bytes()
    first = import_items(project=project, items=items("de.txt", data))
    second = import_items(project=project, items=items("copy.txt", data.replace(b"\n", b"\r\n")))
    assert [o.status for o in first + second] == ["imported", "duplicate"]
    assert Article.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_file_store_it_once(project):
    data = ENGLISH_SEED.read_bytes()
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.extend(o.status for o in import_items(project=project, items=items("en.txt", data)))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["duplicate", "imported"]
    assert Article.objects.count() == 1


@pytest.fixture
def article_seven_breaks_the_database():
    """A trigger that makes the database itself refuse one article, as a full disk or a bug would."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION refuse_seven() RETURNS trigger AS $$
            BEGIN
              IF NEW.text LIKE '%number 7 %' THEN RAISE EXCEPTION 'disk on fire'; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_seven BEFORE INSERT ON articles_article FOR EACH ROW EXECUTE FUNCTION refuse_seven();
        """)


def test_failure_in_one_article_leaves_the_others(project, article_seven_breaks_the_database):
    lines = [
        json.dumps(
            {"text": f"Article number {n} reports on the council meeting in town {n}.", "publisher": f"Outlet {n}"}
        )
        for n in range(1, 11)
    ]
    outcomes = import_items(project=project, items=read_upload("ten.jsonl", "\n".join(lines).encode()))
    assert [o.status for o in outcomes] == ["imported"] * 6 + ["refused"] + ["imported"] * 3
    assert outcomes[6].label == "ten.jsonl line 7" and "could not be stored" in outcomes[6].message
    assert Article.objects.count() == 9
    # Nothing of article 7 was kept: not even the publisher created before the failure.
    assert not project.sources.filter(name="Outlet 7").exists()
    assert project.sources.filter(name="Outlet 8").exists()


def test_repeated_text_within_one_batch_is_stored_once(project):
    line = json.dumps({"text": ENGLISH_SEED.read_text()})
    outcomes = import_items(project=project, items=read_upload("twice.jsonl", f"{line}\n{line}\n".encode()))
    assert [o.status for o in outcomes] == ["imported", "duplicate"]
    assert outcomes[1].article == outcomes[0].article
    assert Article.objects.count() == 1


def test_command_imports_folders_and_stdin_and_is_idempotent(project, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "scraped" / "nested"
    folder.mkdir(parents=True)
    (folder / "en.txt").write_bytes(ENGLISH_SEED.read_bytes())
    (tmp_path / "scraped" / "empty.txt").write_bytes(b"")
    monkeypatch.setattr("sys.stdin", stdin(json.dumps({"text": GERMAN_SEED.read_text()}) + "\n"))
    call_command("import_articles", project.name, str(tmp_path / "scraped"), "-", processes=1)
    out = capsys.readouterr().out
    assert "2 imported, 0 duplicate(s) skipped, 1 refused." in out
    assert "empty.txt: The file is empty." in out
    call_command("import_articles", str(project.pk), str(tmp_path / "scraped"), processes=1)
    assert "0 imported, 1 duplicate(s) skipped, 1 refused." in capsys.readouterr().out
    assert Article.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_command_in_several_processes_keeps_order_and_imports_once(project, tmp_path, monkeypatch, capsys):
    """Worker processes see only committed rows, hence a transactional test."""
    lines = [
        json.dumps({"text": f"Report {n}: the council of town {n} met on {n} May and voted {n} to {n + 1}."})
        for n in range(600)
    ]
    lines[10] = "not json"
    lines[400] = lines[5]  # the same text again, in another chunk
    (tmp_path / "dump.jsonl").write_text("\n".join(lines[:300]))
    monkeypatch.setattr("sys.stdin", stdin("\n".join(lines[300:]) + "\n"))
    call_command("import_articles", project.name, str(tmp_path / "dump.jsonl"), "-", processes=2)
    out = capsys.readouterr().out
    assert "598 imported, 1 duplicate(s) skipped, 1 refused." in out
    assert "dump.jsonl line 11: Not valid JSON" in out
    assert Article.objects.filter(project=project).count() == 598
    call_command("import_articles", project.name, str(tmp_path / "dump.jsonl"), processes=2)
    assert "0 imported, 299 duplicate(s) skipped, 1 refused." in capsys.readouterr().out


def test_command_streams_large_jsonl_files_line_by_line(project, tmp_path, settings, capsys):
    """A crawler dump bigger than the per-file limit imports; the limit holds for each article."""
    settings.IMPORT_MAX_BYTES = 400
    good = [
        json.dumps({"text": f"Dispatch {n}: the port of town {n} reopened on {n} June after repairs."})
        for n in range(1, 6)
    ]
    dump = "\n".join(good).encode() + b'\n{"text": "Caf\xe9 owners in town 6 protested the new rules today."}'
    dump += b"\n" + json.dumps({"text": "x" * 500}).encode() + b"\n"
    (tmp_path / "dump.jsonl").write_bytes(dump)
    assert len(dump) > settings.IMPORT_MAX_BYTES
    call_command("import_articles", project.name, str(tmp_path / "dump.jsonl"), processes=1)
    out = capsys.readouterr().out
    assert "6 imported, 0 duplicate(s) skipped, 1 refused." in out
    assert "dump.jsonl line 7: The line is 512\xa0bytes; the limit is 400\xa0bytes." in out
    assert Article.objects.filter(text__startswith="Café owners").exists()  # a cp1252 line, decoded


def test_lines_after_a_refused_line_crlf_ends_and_blank_lines_are_read_whole(project, tmp_path, settings, capsys):
    """Line numbers and line ends hold after a line skipped unread, blank lines and CRLF ends."""
    settings.IMPORT_MAX_BYTES = 400
    texts = [
        "Déjà vu in Zürich: the ferry ‘Möwe’ sank on 3 May.",
        "Rückkehr nach Köln 🚢 am 4. Mai.",
        "سفينة في الميناء",
    ]
    lines = [json.dumps({"text": texts[0]}, ensure_ascii=False).encode() + b"\r\n"]
    lines.append(json.dumps({"text": "y" * 900}).encode() + b"\n")
    lines.append(b"\r\n   \n")
    lines += [json.dumps({"text": text}, ensure_ascii=False).encode() + b"\r\n" for text in texts[1:]]
    (tmp_path / "dump.jsonl").write_bytes(b"".join(lines))
    call_command("import_articles", project.name, str(tmp_path / "dump.jsonl"), processes=1)
    out = capsys.readouterr().out
    assert "3 imported, 0 duplicate(s) skipped, 1 refused." in out
    assert "dump.jsonl line 2: The line is" in out
    assert sorted(Article.objects.filter(project=project).values_list("text", flat=True)) == sorted(texts)
    assert list(Article.objects.filter(text=texts[2]).values_list("original_name", flat=True)) == ["dump.jsonl line 6"]


def test_json_line_with_an_html_fragment_keeps_its_text(project):
    line = json.dumps({"html": "<p>Hello <b>world</b></p>"})
    [outcome] = import_items(project=project, items=read_upload("fragments.jsonl", line.encode()))
    assert (outcome.status, outcome.article.text) == ("imported", "Hello world")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        (
            "<div>Dockers stopped work at the port.<br>Talks resume on Friday.</div>",
            "Dockers stopped work at the port.\nTalks resume on Friday.",
        ),
        (
            '<p>Dockers stopped work at the port.<script>track("visit")</script></p>',
            "Dockers stopped work at the port.",
        ),
    ],
)
def test_uploaded_html_fragment_keeps_its_text(project, html, text):
    [outcome] = import_items(project=project, items=read_upload("body.html", html.encode()))
    assert (outcome.status, outcome.article.text) == ("imported", text)


def test_fragment_text_has_a_line_per_paragraph_and_no_markup_or_code():
    parsed = parse_html_fragment(
        "<h2>Strike at the port</h2><p>Dockers stopped <a href='/work'>work</a> &amp; left.</p>"
        "<script>var html = '<p>tracking</p>';</script><style>p { color: red }</style>"
        "<ul><li>Day one</li><li>Day <i>two</i></li></ul><noscript>Enable JavaScript</noscript>"
        "<p>A &lt;b&gt; written out stays.</p>"
    )
    assert parsed.text == "Strike at the port\nDockers stopped work & left.\nDay one\nDay two\nA <b> written out stays."
    assert parsed.headings == [0]


def test_markup_without_any_words_is_refused():
    [item] = items("empty.html", b"<div><script>track()</script><style>p {}</style></div>")
    assert item.error == "No article text was found in this HTML page."


def test_stray_nul_bytes_in_a_text_file_are_dropped(project):
    text = ENGLISH_SEED.read_text()
    data = ("\x00" + text[:200] + "\x00\x00" + text[200:] + "\x00").encode()
    [outcome] = import_items(project=project, items=read_upload("export.txt", data))
    assert outcome.status == "imported"
    assert outcome.article.text == clean_text(text)


def png(width=64, height=64) -> bytes:
    """A real PNG of noise, like a photo: its pixel data compresses to near-random bytes."""
    noise = random.Random(7)
    rows = b"".join(b"\x00" + bytes(noise.randrange(256) for _ in range(3 * width)) for _ in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf() -> bytes:
    """A PDF whose first page is a compressed content stream, as most PDFs are."""
    words = ENGLISH_SEED.read_text()
    stream = zlib.compress(f"BT /F1 12 Tf 72 712 Td ({words}) Tj ET".encode())
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + f"4 0 obj\n<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
        + stream
        + b"\nendstream\nendobj\n"
    )


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("article.txt", ENGLISH_SEED.read_text())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "make", [png, pdf, zip_archive, lambda: gzip.compress(ENGLISH_SEED.read_bytes())], ids=["png", "pdf", "zip", "gzip"]
)
def test_binary_files_named_as_text_are_refused(make):
    [item] = items("renamed.txt", make())
    assert item.error == "This looks like a binary file (an image, PDF, archive...), not text."


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_decoded_not_stripped_of_nuls(encoding):
    russian = "Министр заявил, что соглашение укрепит сотрудничество.\n"
    assert decode_bytes((GERMAN + "\n€ 5\n").encode(encoding)) == GERMAN + "\n€ 5\n"
    assert decode_bytes((russian * 3).encode(encoding)) == russian * 3


def test_broken_utf16_without_byte_order_mark_is_refused_not_stripped_of_nuls():
    data = (GERMAN * 2).encode("utf-16-le") + b"\x00\xdc"  # a lone low surrogate
    [item] = items("broken.txt", data)
    assert item.draft is None
    assert "UTF-16-LE text without a byte order mark" in item.error


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            {
                "lang": "de",
                "headline": "H",
                "link": "https://a.example/1",
                "authors": ["A. Writer", "B. Writer"],
                "source": "Tagesblatt",
                "publishedAt": "2025-01-31T10:00:00Z",
            },
            ("de", "H", "https://a.example/1", "A. Writer, B. Writer", "Tagesblatt", "2025-01-31"),
        ),
        (
            {
                "languageCode": "en",
                "source_url": "https://a.example/2",
                "byline": "Jane Roe",
                "site_name": "Gazette",
                "datePublished": "2025-02-01",
            },
            ("en", "", "https://a.example/2", "Jane Roe", "Gazette", "2025-02-01"),
        ),
        (
            {"locale": "fr_FR", "creator": "Jean", "sitename": "Le Journal", "published_at": "2025-03-02 08:00:00"},
            ("fr", "", "", "Jean", "Le Journal", "2025-03-02"),
        ),
        (
            {
                "inLanguage": "es-ES",
                "outlet": "El Diario",
                "date": "2025-04-05",
                "author": {"@type": "Person", "name": "Ana"},
            },
            ("es", "", "", "Ana", "El Diario", "2025-04-05"),
        ),
        (
            {"language": "en", "publisher": {"name": "BBC News"}, "pubdate": "Fri, 31 Jan 2025 10:00:00 GMT"},
            ("en", "", "", "", "BBC News", "2025-01-31"),
        ),
    ],
    ids=["crawler", "schema-org", "locale", "news-api", "rss"],
)
def test_json_metadata_is_read_under_its_common_names(project, metadata, expected):
    text = "The harbour of Hamburg reopened on Monday after a strike of three days."
    [outcome] = import_items(
        project=project, items=read_upload("feed.jsonl", json.dumps({"text": text, **metadata}).encode())
    )
    article = outcome.article
    language, title, url, author, publisher, published = expected
    assert (article.language, article.title, article.url) == (language, title or text, url)
    assert (article.author, str(article.publisher or ""), str(article.published_on)) == (author, publisher, published)


def test_label_studio_task_keeps_its_language_under_data(project):
    task = {
        "data": {"text": "Rain fell. Prices rose 5% in the city of Graz last week.", "lang": "de"},
        "annotations": [],
    }
    [outcome] = import_items(project=project, items=read_upload("tasks.json", json.dumps([task]).encode()))
    assert outcome.article.language == "de"


def test_publication_date_that_is_no_date_is_refused_with_its_key():
    line = json.dumps({"text": "The harbour of Hamburg reopened on Monday.", "publishedAt": "last week"})
    [item] = items("feed.jsonl", line.encode())
    assert item.error == "“publishedAt” is not a date like 2025-01-31: 'last week'."


def test_a_line_with_a_script_address_is_refused_with_the_reason():
    from apps.imports.readers import read_json_line

    item = read_json_line(
        "line 1", '{"text": "A long enough article text about a bridge.", "url": "javascript:alert(1)"}'
    )
    assert item.draft is None
    assert item.error == "“url” must be an http:// or https:// address, not 'javascript:alert(1)'."


def test_deeply_nested_json_is_a_refusal_not_a_crash():
    from apps.imports.readers import read_json_line, read_upload

    deep = "[" * 100_000 + "]" * 100_000
    assert "nested too deeply" in read_json_line("line 1", deep).error
    [item] = read_upload("deep.json", deep.encode())
    assert "nested too deeply" in item.error
    [item] = read_upload("deep.jsonl", ('{"text": ' + deep + "}").encode())
    assert "nested too deeply" in item.error


def test_json_errors_read_well():
    from apps.imports.readers import read_json_line

    assert read_json_line("line 1", '{"text": "unfinished').error == (
        "Not valid JSON: Unterminated string starting at column 10."
    )
