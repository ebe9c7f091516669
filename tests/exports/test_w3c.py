import json

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
