"""Export -> import into a fresh project -> export again: the same texts and spans, byte for byte."""

import json
import zipfile

import pytest
from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.exports.formats import FORMATS
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.exports.conftest import PEER_SAMPLES
from tests.factories import ProjectFactory


def export(project, fmt: str, tmp_path, name: str) -> bytes:
    path = tmp_path / f"{name}.{FORMATS[fmt].extension}"
    call_command("export", str(project.pk), "--format", fmt, "--status", "all", "-o", str(path), verbosity=0)
    return path.read_bytes()


def import_into(project, name: str, data: bytes, user=None):
    outcomes = import_items(project=project, items=list(read_upload(name, data)), user=user)
    assert {outcome.status for outcome in outcomes} == {"imported"}, [o.message for o in outcomes]
    return outcomes


def texts_and_spans(fmt: str, data: bytes) -> bytes:
    """What must survive the round trip, as bytes: each text with its spans (offsets, words, label)."""
    if fmt == "doccano":
        lines = [json.loads(line) for line in data.decode().splitlines()]
        kept = [[line["text"], line["label"]] for line in lines]
    elif fmt == "labelstudio":
        kept = [
            [task["data"]["text"], [region["value"] for a in task["annotations"] for region in a["result"]]]
            for task in json.loads(data)
        ]
    else:
        texts, spans = {}, {}
        for item in json.loads(data)["first"]["items"]:
            source = item["target"]["source"]
            if "value" in source:
                texts[source["id"]] = source["value"]
            quote, position = item["target"]["selector"]
            kind = next(body["value"] for body in item["body"] if body["purpose"] == "classifying")
            spans.setdefault(source["id"], []).append([position["start"], position["end"], quote, kind])
        kept = [[texts[key], spans[key]] for key in texts]
    return json.dumps(kept, ensure_ascii=False).encode()


@pytest.mark.parametrize("fmt", ["w3c", "doccano", "labelstudio"])
def test_export_import_export_keeps_texts_and_spans(seeded, project, analyst, tmp_path, fmt):
    first = export(project, fmt, tmp_path, "first")
    fresh = ProjectFactory()
    import_into(fresh, f"export.{FORMATS[fmt].extension}", first, user=analyst)
    second = export(fresh, fmt, tmp_path, "second")

    assert texts_and_spans(fmt, second) == texts_and_spans(fmt, first)
    assert Annotation.objects.filter(article__project=fresh).count() == 9
    for original in Article.objects.filter(project=project):
        copy = Article.objects.get(project=fresh, content_hash=original.content_hash)
        assert copy.language == original.language and copy.title == original.title
        assert copy.url == original.url


PEER_SPANS = [
    (42, 71, "claim", "120 Menschen evakuiert wurden"),
    (74, 112, "quote", "Wir rechnen mit 40 zusätzlichen Fällen"),
]


def stored_spans(project):
    return sorted(Annotation.objects.filter(article__project=project).values_list("start", "end", "kind", "exact"))


@pytest.mark.parametrize(
    "name, read",
    [
        ("export.jsonl", lambda: (PEER_SAMPLES / "doccano" / "export_JSONL.zip__admin.jsonl").read_bytes()),
        (
            "admin.jsonl",
            lambda: zipfile.ZipFile(PEER_SAMPLES / "doccano" / "export_JSONL.zip").read("admin.jsonl"),
        ),
        ("export.json", lambda: (PEER_SAMPLES / "labelstudio" / "export_JSON.json").read_bytes()),
        ("export_min.json", lambda: (PEER_SAMPLES / "labelstudio" / "export_JSON_MIN.json").read_bytes()),
    ],
    ids=["doccano", "doccano-zip-member", "labelstudio", "labelstudio-min"],
)
def test_peer_exports_import_with_every_span_on_the_same_characters(project, analyst, name, read):
    import_into(project, name, read(), user=analyst)
    article = Article.objects.get(project=project)
    assert article.language == "de" and article.title.startswith("Köln")
    assert stored_spans(project) == PEER_SPANS
    for start, end, _, exact in PEER_SPANS:
        assert article.text[start:end] == exact


@pytest.mark.parametrize("fmt", ["doccano", "labelstudio"])
def test_peer_files_go_back_to_their_tool_with_the_same_offsets(project, analyst, tmp_path, fmt):
    """Imported from the peer's own export and exported to its format: its spans, as it wrote them."""
    peer = PEER_SAMPLES / (
        "doccano/export_JSONL.zip__admin.jsonl" if fmt == "doccano" else "labelstudio/export_JSON.json"
    )
    import_into(project, peer.name, peer.read_bytes(), user=analyst)
    ours = export(project, fmt, tmp_path, "ours")
    if fmt == "doccano":
        theirs, mine = json.loads(peer.read_text()), json.loads(ours)
        assert mine["text"] == theirs["text"] and mine["label"] == theirs["label"]
        assert (mine["title"], mine["lang"]) == (theirs["title"], theirs["lang"])
    else:
        [theirs], [mine] = json.loads(peer.read_text()), json.loads(ours)
        assert mine["data"] == theirs["data"]
        values = lambda task: [region["value"] for region in task["annotations"][0]["result"]]  # noqa: E731
        assert values(mine) == values(theirs)
