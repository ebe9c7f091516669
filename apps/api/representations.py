"""Annotations and links as the API shows them, read as plain values in two queries a page
(the annotations with their people's names, then all their links with their sources)."""

from apps.annotations.models import Annotation, Link

# Column -> name in the representation.
RENAMED = {
    "article_id": "article",
    "created_by__username": "created_by",
    "updated_by__username": "updated_by",
    "reviewed_by__username": "reviewed_by",
    # How the annotation was carried from an earlier version of its article (None: never carried).
    "anchoring__state": "anchoring",
}
ANNOTATION_FIELDS = (
    "id",
    "kind",
    "status",
    "start",
    "end",
    "exact",
    "prefix",
    "suffix",
    "note",
    "tags",
    "version",
    "created_at",
    "updated_at",
    "reviewed_at",
    *RENAMED,
)


def link_dicts(links) -> list[dict]:
    rows = links.order_by("pk").values(
        "id", "annotation_id", "role", "note", "source_id", "source__name", "source__kind"
    )
    return [
        {
            "id": row["id"],
            "annotation": row["annotation_id"],
            "role": row["role"],
            "note": row["note"],
            "source": {"id": row["source_id"], "name": row["source__name"], "kind": row["source__kind"]},
        }
        for row in rows
    ]


def annotation_dicts(annotations) -> list[dict]:
    """The annotations of a queryset (already scoped and sliced) with their links, in its order."""
    by_id = {}
    for row in annotations.values(*ANNOTATION_FIELDS):
        for column, name in RENAMED.items():
            row[name] = row.pop(column)
        row["links"] = []
        by_id[row["id"]] = row
    if by_id:
        for link in link_dicts(Link.objects.filter(annotation_id__in=by_id)):
            by_id[link["annotation"]]["links"].append(link)
    return list(by_id.values())


def annotation_dict(pk: int) -> dict:
    return annotation_dicts(Annotation.objects.filter(pk=pk))[0]


def new_annotation_dict(annotation: Annotation) -> dict:
    """A just-created annotation, from the instance that was saved: nothing to read back."""
    row = {field: getattr(annotation, field) for field in ANNOTATION_FIELDS if field not in RENAMED}
    row |= {"article": annotation.article_id, "created_by": annotation.created_by.get_username()}
    return row | {"updated_by": None, "reviewed_by": None, "anchoring": None, "links": []}
