"""Merging two sources of a project into one, and undoing a merge.

A merge moves everything that refers to the merged source to the survivor (annotations' links,
articles' publisher, people's organisation, and any other row referring to a source), gives the
survivor the merged name and aliases as aliases, records what moved in a SourceMerge, and deletes
the merged source. The undo makes the merged source again with its id and moves back what still
points where the merge left it; what was changed since stays as it is, and the undo says so.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.annotations.models import Link
from apps.articles.models import Article
from apps.directory.models import SourceMerge
from apps.projects.models import database_refusal
from apps.sources.models import Source

# The survivor's fields that a merge fills from the merged source when they are blank.
FILLED_FIELDS = ("url", "description", "affiliation_id")


def other_references():
    """(model, field name) of every foreign key to sources that the merge does not treat by name:
    what later apps add, moved as they are. Their history (event rows) stays as it was."""
    handled = {(Link, "source"), (Article, "publisher"), (Source, "affiliation")}
    references = []
    for relation in Source._meta.related_objects:
        model, field = relation.related_model, relation.field
        if relation.many_to_many or (model, field.name) in handled or hasattr(model, "pgh_tracked_model"):
            continue
        if model is SourceMerge:
            continue
        references.append((model, field.name))
    return references


def snapshot(source: Source) -> dict:
    return {
        "id": source.pk,
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "description": source.description,
        "aliases": list(source.aliases),
        "affiliation_id": source.affiliation_id,
        "introduced_by_id": source.introduced_by_id,
        "created_at": source.created_at.isoformat(),
    }


def merge_sources(*, source: Source, into: Source, user) -> SourceMerge:
    """Merge `source` into `into` in one transaction; `source` is deleted, nothing else is lost.

    Links that would repeat one of the survivor's (the same annotation and role) are folded into
    it; the merge keeps them whole, so that its undo makes them again.
    """
    if not user.has_perm("sources.merge_source", into):
        raise PermissionDenied("Only the project's managers merge sources.")
    if source.pk == into.pk:
        raise ValidationError({"into": "A source cannot be merged into itself."})
    if source.project_id != into.project_id:
        raise ValidationError({"into": "Only sources of the same project can be merged."})
    with transaction.atomic():
        # Locked in the order of their ids, so that two merges of the same pair wait for each other.
        locked = {
            s.pk: s for s in Source.objects.select_for_update().filter(pk__in=[source.pk, into.pk]).order_by("pk")
        }
        if len(locked) < 2:
            raise ValidationError("One of the two sources was merged or deleted meanwhile; nothing was changed.")
        merged, survivor = locked[source.pk], locked[into.pk]
        if survivor.affiliation_id == merged.pk or merged.affiliation_id == survivor.pk:
            raise ValidationError(
                {"into": f"“{merged}” and “{survivor}” are a person and their organisation, not one source."}
            )
        moved: dict = {}

        links = Link.objects.filter(source=merged)
        repeated = links.filter(
            models.Exists(
                Link.objects.filter(
                    annotation=models.OuterRef("annotation"), role=models.OuterRef("role"), source=survivor
                )
            )
        )
        moved["folded_links"] = [
            {**row, "created_at": row["created_at"].isoformat()}
            for row in repeated.values("id", "annotation_id", "role", "note", "created_by_id", "created_at")
        ]
        repeated.delete()
        moved["links"] = list(links.values_list("pk", flat=True))
        links.update(source=survivor)

        published = Article.objects.filter(publisher=merged)
        moved["articles"] = list(published.values_list("pk", flat=True))
        published.update(publisher=survivor)

        affiliates = Source.objects.filter(affiliation=merged)
        moved["affiliates"] = list(affiliates.values_list("pk", flat=True))
        affiliates.update(affiliation=survivor)

        moved["references"] = {}
        for model, field in other_references():
            rows = model._default_manager.filter(**{field: merged})
            ids = list(rows.values_list("pk", flat=True))
            if not ids:
                continue
            try:
                with transaction.atomic():
                    rows.update(**{field: survivor})
            except IntegrityError as error:
                raise ValidationError(
                    f"The {model._meta.verbose_name_plural} of “{merged}” cannot move to “{survivor}”: "
                    f"{database_refusal(error) or 'they would repeat its own'}. Nothing was changed."
                ) from error
            moved["references"][f"{model._meta.label}.{field}"] = ids

        aliases_before = list(survivor.aliases)
        for spelling in [merged.name, *merged.aliases]:
            survivor.add_alias(spelling)
        moved["aliases"] = [alias for alias in survivor.aliases if alias not in aliases_before]
        moved["fields"] = {}
        for field in FILLED_FIELDS:
            value = getattr(merged, field)
            if value and not getattr(survivor, field) and value != survivor.pk:
                setattr(survivor, field, value)
                moved["fields"][field] = value

        merge = SourceMerge.objects.create(
            project_id=survivor.project_id,
            survivor_id=survivor.pk,
            merged_id=merged.pk,
            snapshot=snapshot(merged),
            moved=moved,
            merged_by=user,
        )
        Source.objects.filter(pk=merged.pk).delete()
        survivor.save(update_fields=["aliases", *(f.removesuffix("_id") for f in moved["fields"])])
    return merge


def undo_merge(*, merge: SourceMerge, user) -> SourceMerge:
    """Make the merged source again and move back what the merge moved, unless it changed since.

    The merge's `not_restored` then says, in words, what stayed with the survivor and why.
    """
    if not user.has_perm("sources.merge_source", merge):
        raise PermissionDenied("Only the project's managers undo merges.")
    with transaction.atomic():
        merge = SourceMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at:
            raise ValidationError("This merge was undone already.")
        data = merge.snapshot
        survivor = Source.objects.select_for_update().filter(pk=merge.survivor_id).first()
        if survivor is None:
            later = SourceMerge.objects.undoable().filter(merged_id=merge.survivor_id).first()
            reason = (
                f"was merged into another source since; undo that merge first (of {later.merged_at:%Y-%m-%d %H:%M})"
                if later
                else "was deleted since"
            )
            raise ValidationError(f"The source “{data['name']}” was merged into {reason}. Nothing was changed.")
        taken = Source.objects.in_project(merge.project_id).filter(kind=data["kind"], name=data["name"]).first()
        if taken or Source.objects.filter(pk=data["id"]).exists():
            raise ValidationError(
                f"The project has a source called “{data['name']}” again; merge it into “{survivor}” or rename it, "
                "then undo. Nothing was changed."
            )
        not_restored = []
        affiliation_id = data["affiliation_id"]
        if affiliation_id and not Source.objects.in_project(merge.project_id).filter(pk=affiliation_id).exists():
            not_restored.append(f"Its organisation (source #{affiliation_id}) was deleted since.")
            affiliation_id = None
        introduced_by_id = data["introduced_by_id"]
        if introduced_by_id and not type(user).objects.filter(pk=introduced_by_id).exists():
            introduced_by_id = None
        merged = Source.objects.create(
            pk=data["id"],
            project_id=merge.project_id,
            name=data["name"],
            kind=data["kind"],
            url=data["url"],
            description=data["description"],
            aliases=data["aliases"],
            affiliation_id=affiliation_id,
            introduced_by_id=introduced_by_id,
        )
        Source.objects.filter(pk=merged.pk).update(created_at=data["created_at"])
        moved = merge.moved

        def move_back(rows, field: str, ids: list[int], what: str) -> None:
            back = rows.filter(pk__in=ids, **{field: survivor}).update(**{field: merged})
            if back < len(ids):
                not_restored.append(
                    f"{len(ids) - back} of the {len(ids)} {what} the merge moved changed or went since; "
                    "they stay as they are."
                )

        move_back(Link.objects, "source", moved.get("links", []), "annotation links")
        move_back(Article.objects, "publisher", moved.get("articles", []), "articles published")
        move_back(Source.objects, "affiliation", moved.get("affiliates", []), "affiliated sources")
        for reference, ids in moved.get("references", {}).items():
            label, field = reference.rsplit(".", 1)
            model = next((m for m, f in other_references() if m._meta.label == label and f == field), None)
            if model is None:
                not_restored.append(f"{len(ids)} rows of {label} were not moved back: that table is gone.")
                continue
            move_back(model._default_manager, field, ids, str(model._meta.verbose_name_plural))

        folded = moved.get("folded_links", [])
        live_annotations = set(
            Link._meta.get_field("annotation")
            .related_model.objects.filter(pk__in=[row["annotation_id"] for row in folded])
            .values_list("pk", flat=True)
        )
        restored = 0
        for row in folded:
            if row["annotation_id"] not in live_annotations or Link.objects.filter(pk=row["id"]).exists():
                continue
            created_by_id = row["created_by_id"]
            if created_by_id and not type(user).objects.filter(pk=created_by_id).exists():
                created_by_id = None
            link = Link.objects.create(
                pk=row["id"],
                annotation_id=row["annotation_id"],
                source=merged,
                role=row["role"],
                note=row["note"],
                created_by_id=created_by_id,
            )
            Link.objects.filter(pk=link.pk).update(created_at=row["created_at"])
            restored += 1
        if restored < len(folded):
            not_restored.append(
                f"{len(folded) - restored} of the {len(folded)} links folded into the survivor's belong to "
                "annotations deleted since and were not made again."
            )

        kept_aliases = [alias for alias in survivor.aliases if alias not in moved.get("aliases", [])]
        changed = ["aliases"] if kept_aliases != survivor.aliases else []
        survivor.aliases = kept_aliases
        for field, value in moved.get("fields", {}).items():
            if getattr(survivor, field) == value:
                setattr(survivor, field, "" if field != "affiliation_id" else None)
                changed.append(field.removesuffix("_id"))
            else:
                label = Source._meta.get_field(field.removesuffix("_id")).verbose_name
                not_restored.append(f"“{survivor}” keeps its {label}: it was changed since the merge.")
        if changed:
            survivor.save(update_fields=changed)

        merge.undone_at = timezone.now()
        merge.undone_by = user
        merge.not_restored = not_restored
        merge.save(update_fields=["undone_at", "undone_by", "not_restored"])
    return merge
