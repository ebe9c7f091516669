import json

from apps.annotations.services import create_annotation
from apps.exports import w3c
from apps.exports.rows import Selection, annotation_chunks
from tests.exports.conftest import check_w3c


def write_project_export(project, path):
    selection = Selection(project.pk)
    annotations = (a for chunk in annotation_chunks(selection.annotations(), with_text=True) for a in chunk)
    chunks = w3c.stream_collection(
        annotations,
        id="https://sourcetrace.example/exports/1",
        label="x",
        total=selection.count(),
        base_url="https://sourcetrace.example",
    )
    path.write_text("".join(chunks), encoding="utf-8")
    return path


def test_project_export_passes_the_w3c_checker(seeded, project, tmp_path):
    path = write_project_export(project, tmp_path / "export.jsonld")
    result = check_w3c(path)
    print(path.read_text()[:3000])
    assert result.returncode == 0, result.stdout[-5000:]
    doc = json.loads(path.read_text())
    assert doc["total"] == 9


def test_counterparts_travel_as_links_between_the_two_annotations(project, analyst, tmp_path):
    from apps.stories.services import create_counterpart, propose_counterpart
    from tests.stories.conftest import sample_story

    english, german = sample_story(project)
    start = english.text.index("emerging threat")
    first = create_annotation(
        article=english, user=analyst, kind="quote", start=start, end=start + 15, exact="emerging threat"
    )
    proposal = propose_counterpart(annotation=first, article=german, user=analyst)
    second = create_counterpart(
        annotation=first,
        article=german,
        user=analyst,
        start=proposal.start,
        end=proposal.end,
        exact=german.text[proposal.start : proposal.end],
    )

    path = write_project_export(project, tmp_path / "export.jsonld")

    assert check_w3c(path).returncode == 0
    items = {item["id"]: item for item in json.loads(path.read_text())["first"]["items"]}
    for own, other in ((first, second), (second, first)):
        item = items[w3c.annotation_iri("https://sourcetrace.example", own.pk)]
        links = [body for body in item["body"] if body.get("schema:roleName") == "counterpart"]
        assert links == [
            {
                "type": "SpecificResource",
                "purpose": "linking",
                "schema:roleName": "counterpart",
                "source": w3c.annotation_iri("https://sourcetrace.example", other.pk),
            }
        ]
