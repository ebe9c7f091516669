from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.annotations.models import Annotation, AnnotationEvent, Link
from apps.projects.models import Membership


class EditConflict(Exception):
    """Somebody saved the annotation after the version the editor started from."""

    def __init__(self, current: Annotation):
        super().__init__(f"Changed by {current.updated_by or current.created_by} meanwhile.")
        self.current = current


def may_edit(annotation: Annotation, user, role: str | None) -> bool:
    """Analysts edit their own annotations; reviewers and managers edit all in their projects."""
    if user.is_staff:
        return True
    if role in {Membership.Role.REVIEWER, Membership.Role.MANAGER}:
        return True
    return role is not None and annotation.created_by_id == user.pk


def create_annotation(*, article, user, kind: str, start: int, end: int, exact: str) -> Annotation:
    """Store a new highlight; refuse it when `exact` is not the article's text at start–end.

    The creation itself is the first entry of the history (created_by, created_at); later
    changes add AnnotationEvents.
    """
    annotation = Annotation(article=article, kind=kind, start=start, end=end, exact=exact, created_by=user)
    annotation.full_clean(exclude=["prefix", "suffix", "created_by", "article"], validate_constraints=False)
    annotation.anchor(start, end)
    annotation.save(force_insert=True)
    return annotation


def _record(annotation: Annotation, user, action: str, comment: str = "") -> None:
    AnnotationEvent.objects.create(
        annotation=annotation, actor=user, action=action, state=annotation.snapshot(), comment=comment
    )


def update_annotation(*, annotation: Annotation, user, base_version: int, **changes) -> Annotation:
    """Apply `changes` if nobody saved since `base_version`; otherwise raise EditConflict.

    The version check and the write are one UPDATE, so two editors cannot both win.
    """
    if "start" in changes or "end" in changes:
        annotation.anchor(changes.pop("start", annotation.start), changes.pop("end", annotation.end))
        exact = changes.pop("exact", None)
        if exact is not None and exact != annotation.exact:
            raise ValidationError("The selected text does not match the article at these offsets; nothing was saved.")
    for field, value in changes.items():
        setattr(annotation, field, value)
    annotation.full_clean(exclude=["created_by", "article"], validate_constraints=False)
    now = timezone.now()
    fields = {
        name: getattr(annotation, name)
        for name in ("kind", "start", "end", "exact", "prefix", "suffix", "note", "status", "tags")
    }
    with transaction.atomic():
        updated = Annotation.objects.filter(pk=annotation.pk, version=base_version, deleted_at__isnull=True).update(
            **fields, updated_at=now, updated_by=user, version=F("version") + 1
        )
        if not updated:
            current = Annotation.objects.select_related("updated_by", "created_by").get(pk=annotation.pk)
            raise EditConflict(current)
        annotation.version, annotation.updated_at, annotation.updated_by = base_version + 1, now, user
        _record(annotation, user, AnnotationEvent.Action.UPDATED)
    return annotation


def delete_annotation(*, annotation: Annotation, user) -> None:
    """Hide the annotation; `restore_annotation` brings back the same row with its links."""
    with transaction.atomic():
        annotation.deleted_at = timezone.now()
        annotation.version += 1
        annotation.save(update_fields=["deleted_at", "version"])
        _record(annotation, user, AnnotationEvent.Action.DELETED)


def restore_annotation(*, annotation: Annotation, user) -> None:
    with transaction.atomic():
        annotation.deleted_at = None
        annotation.version += 1
        annotation.save(update_fields=["deleted_at", "version"])
        _record(annotation, user, AnnotationEvent.Action.RESTORED)


def link_source(*, annotation: Annotation, source, role: str, user, note: str = "") -> Link:
    if source.project_id != annotation.article.project_id:
        raise PermissionDenied("That source belongs to another project.")
    with transaction.atomic():
        link, created = Link.objects.get_or_create(
            annotation=annotation, source=source, role=role, defaults={"note": note, "created_by": user}
        )
        if created:
            _record(annotation, user, AnnotationEvent.Action.LINKED, comment=f"{link.get_role_display()}: {source}")
    return link


def unlink_source(*, link: Link, user) -> None:
    with transaction.atomic():
        link.delete()
        _record(
            link.annotation, user, AnnotationEvent.Action.UNLINKED, comment=f"{link.get_role_display()}: {link.source}"
        )


def review_annotation(*, annotation: Annotation, user, approve: bool, comment: str = "") -> None:
    """Approve or reject; the reviewer and the comment go into the history."""
    with transaction.atomic():
        annotation.status = Annotation.Status.APPROVED if approve else Annotation.Status.REJECTED
        annotation.reviewed_by, annotation.reviewed_at = user, timezone.now()
        annotation.version += 1
        annotation.save(update_fields=["status", "reviewed_by", "reviewed_at", "version"])
        action = AnnotationEvent.Action.APPROVED if approve else AnnotationEvent.Action.REJECTED
        _record(annotation, user, action, comment=comment)
