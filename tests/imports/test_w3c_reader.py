"""W3C Web Annotations (JSON-LD) that hold the text they target import as articles with their spans."""

import json

import pytest
from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.imports.readers import read_upload
from apps.imports.store import import_items

TEXT = "Sie sagte: „Wir kommen.“ 🚀 Dann ging sie.\nبعد ذلك قال الوزير إن الخطة ناجحة."


def web_annotation(number, kind, start, end, *, text=True):
    source = {"id": "https://elsewhere.example/text/1", "type": "Text", "label": "Zwei Sätze", "language": "de"}
    if text:
        source["value"] = TEXT
    return {
        "id": f"https://elsewhere.example/anno/{number}",
        "type": "Annotation",
        "body": [
            {"type": "TextualBody", "purpose": "commenting", "value": "a note"},
            {"type": "TextualBody", "purpose": "classifying", "value": kind},
        ],
        "target": {
            "type": "SpecificResource",
            "source": source,
            "scope": "https://elsewhere.example/page",
            "selector": [
                {"type": "TextQuoteSelector", "exact": TEXT[start:end]},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def collection(*items):
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://elsewhere.example/collection",
        "type": "AnnotationCollection",
        "total": len(items),
        "first": {"id": "https://elsewhere.example/collection#1", "type": "AnnotationPage", "items": list(items)},
    }


def spans(project):
    return sorted(Annotation.objects.filter(article__project=project).values_list("kind", "start", "end", "exact"))


def test_a_collection_becomes_an_article_per_text_with_its_spans(project, analyst):
    start = TEXT.index("الخطة")
    document = collection(web_annotation(1, "quote", 12, 23), web_annotation(2, "Claim", start, start + 11))
    [item] = read_upload("theirs.jsonld", json.dumps(document, ensure_ascii=False, indent=2).encode())
    assert item.draft.title == "Zwei Sätze" and item.draft.url == "https://elsewhere.example/page"
    import_items(project=project, items=[item], user=analyst)
    assert Article.objects.get(project=project).text == TEXT
    assert spans(project) == [("claim", start, start + 11, "الخطة ناجحة"), ("quote", 12, 23, "Wir kommen.")]


@pytest.mark.parametrize(
    "shape",
    [
        lambda items: items[0] | {"@context": "http://www.w3.org/ns/anno.jsonld"},
        lambda items: items,
        lambda items: {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "AnnotationPage",
            "id": "x:p",
            "items": items,
        },
    ],
    ids=["annotation", "list", "page"],
)
def test_an_annotation_a_list_or_a_page_is_read_too(project, analyst, shape):
    [item] = read_upload("theirs.json", json.dumps(shape([web_annotation(1, "fact", 12, 23)])).encode())
    import_items(project=project, items=[item], user=analyst)
    assert spans(project) == [("fact", 12, 23, "Wir kommen.")]


def test_annotations_without_their_text_are_refused_with_the_reason():
    document = collection(web_annotation(1, "quote", 12, 23, text=False))
    [item] = read_upload("theirs.jsonld", json.dumps(document).encode())
    assert item.draft is None
    assert "do not hold its text, so they cannot be placed" in item.error


def test_an_unknown_label_is_counted_not_placed(project, analyst):
    [item] = read_upload("theirs.jsonld", json.dumps(collection(web_annotation(1, "rumour", 12, 23))).encode())
    [outcome] = import_items(project=project, items=[item], user=analyst)
    assert outcome.spans_skipped == 1 and not spans(project)


def test_json_lines_still_read_as_json_lines():
    lines = "\n".join(json.dumps({"text": f"Line {n} of a plain crawler dump."}) for n in range(3))
    assert [item.draft.parsed.text for item in read_upload("dump.json", lines.encode())] == [
        f"Line {n} of a plain crawler dump." for n in range(3)
    ]


def test_the_command_imports_jsonld_files_from_a_folder(project, tmp_path, capsys):
    (tmp_path / "export.jsonld").write_text(json.dumps(collection(web_annotation(1, "quote", 12, 23))))
    call_command("import_articles", str(project.pk), str(tmp_path), "--processes", "1")
    assert "1 imported" in capsys.readouterr().out
    assert spans(project) == [("quote", 12, 23, "Wir kommen.")]
