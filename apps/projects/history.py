"""Reading the history that pghistory's triggers write (see the `pghistory.track` decorators on
the models): who changed what, when, and each changed field's value before and after.

The triggers keep a copy of the tracked fields after every insert and update, and the last
copy on delete, so one event's change is the difference from the event before it of the same
row. Who did it comes from the context the request's middleware or the command set; rows
written outside any context (COPY from an import's worker processes) name their author from
the row itself.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import pghistory
from django.contrib.auth import get_user_model
from django.db import models


def tracked(model_name: str, **options):
    """Record every insert, change and delete of the model's rows in `model_name`, by triggers.

    Each event keeps the tracked fields as they became (the last ones on delete); the events
    may be neither changed nor deleted, and deleting the row keeps them.
    """
    return pghistory.track(
        pghistory.InsertEvent("created"),
        pghistory.UpdateEvent("changed"),
        pghistory.DeleteEvent("deleted"),
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="history"),
        append_only=True,
        **options,
    )


# Kept by every change anyway, and told by the entry's who and when.
NOT_SHOWN = {
    "id",
    "version",
    "updated_at",
    "updated_by",
    "pgh_id",
    "pgh_created_at",
    "pgh_label",
    "pgh_obj",
    "pgh_context",
}
LABELS = {"created": "created", "changed": "changed", "deleted": "deleted"}


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    at: datetime
    who: str
    what: str  # e.g. "annotation changed", "link created"
    changes: list[Change] = field(default_factory=list)
    pk: int = 0


@cache
def tracked_fields(event_model) -> list[models.Field]:
    """The event model's copies of the tracked model's fields that a timeline shows (once per model)."""
    tracked = {f.name: f for f in event_model.pgh_tracked_model._meta.concrete_fields}
    fields = [f for f in event_model._meta.concrete_fields if f.name in tracked and f.name not in NOT_SHOWN]
    for f in fields:
        # The copies of the fields may lose their choices; the labels are the tracked model's.
        f.tracked_choices = tracked[f.name].flatchoices
    return fields


def timeline(*event_querysets, author_fields=("created_by", "imported_by", "author", "user"), limit=100) -> list[Entry]:
    """The events of the querysets (each of one event model), newest first, with readable changes.

    One query per event model, one for the users and one per other kind of related row named
    in a change.
    """
    events = []
    for queryset in event_querysets:
        events += queryset.select_related("pgh_context").order_by("pgh_id")
    previous: dict[tuple, dict] = {}
    pending = []  # (event, [(field, before, after)])
    for event in events:
        fields = tracked_fields(type(event))
        snapshot = {f: getattr(event, f.attname) for f in fields}
        key = (type(event), event.pgh_obj_id)
        before = previous.get(key)
        if event.pgh_label == "created" or before is None:
            changed = [(f, None, value) for f, value in snapshot.items() if value not in (None, "", [])]
        elif event.pgh_label == "deleted":
            changed = []
        else:
            changed = [(f, before[f], value) for f, value in snapshot.items() if before[f] != value]
        previous[key] = snapshot
        if event.pgh_label == "changed" and not changed:
            continue
        pending.append((event, changed))
    pending.sort(key=lambda item: (item[0].pgh_created_at, item[0].pgh_id), reverse=True)
    pending = pending[:limit]
    names = related_names(pending)
    user_names = names.get(get_user_model(), {})
    entries = []
    for event, changed in pending:
        context = event.pgh_context.metadata if event.pgh_context else {}
        # A command run by nobody in particular (the demo's loader) is the actor itself: the row's
        # author fields would name the member it added as the one who added them.
        command = None if context.get("user") else context.get("command")
        user_id = context.get("user") or (
            None
            if command
            else next(
                (getattr(event, f"{name}_id", None) for name in author_fields if getattr(event, f"{name}_id", None)),
                None,
            )
        )
        if command:
            who = f"the {command} command"
        else:
            who = user_names.get(user_id) or ("the system" if user_id is None else f"user #{user_id}")
        model_name = type(event).pgh_tracked_model._meta.verbose_name
        entries.append(
            Entry(
                at=event.pgh_created_at,
                who=who,
                what=f"{model_name} {LABELS.get(event.pgh_label, event.pgh_label)}",
                changes=[
                    Change(str(f.verbose_name), readable(f, before, names), readable(f, after, names))
                    for f, before, after in changed
                ],
                pk=event.pgh_id,
            )
        )
    return entries


def related_names(pending) -> dict:
    """str() of every user, and every other related row, that the entries name: one query per model."""
    wanted = defaultdict(set)
    user_model = get_user_model()
    for event, changed in pending:
        if event.pgh_context and event.pgh_context.metadata.get("user"):
            wanted[user_model].add(event.pgh_context.metadata["user"])
        for name in ("created_by", "imported_by", "author", "user"):
            value = getattr(event, f"{name}_id", None)
            if value:
                wanted[user_model].add(value)
        for f, before, after in changed:
            if f.is_relation:
                wanted[f.related_model] |= {value for value in (before, after) if value is not None}
    return {
        model: {pk: str(row) for pk, row in model._base_manager.in_bulk(ids).items()} for model, ids in wanted.items()
    }


def readable(f: models.Field, value, names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.is_relation:
        return names.get(f.related_model, {}).get(value, f"#{value} (deleted)")
    choices = getattr(f, "tracked_choices", None) or f.flatchoices
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"
