"""Every change to annotations and their source links: the workbench, the admin, imports and
commands all come through here, so that each change is checked against the one rule
(apps/projects/permissions.py) and recorded in the history."""

import enum
from collections.abc import Sequence
from contextlib import nullcontext
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.annotations.models import Annotation, AnnotationEvent, Comment, CommentRead, Link, whole_characters
from apps.articles.bulk import copy_insert
from apps.projects.permissions import deciding_own_work

Status = Annotation.Status
Action = AnnotationEvent.Action

NOT_YOURS = "Only the author, a reviewer or a manager can change this annotation."
BACK_TO_DRAFT = "Changed after review, so back to draft."
MISMATCH = "The selected text does not match the article at these offsets; nothing was saved."
DUPLICATE = "You have already marked exactly this passage as a {kind}; nothing was saved."


class EditConflict(Exception):
    """Somebody saved the annotation after the version the editor started from."""

    def __init__(self, current: Annotation, message: str = ""):
        super().__init__(message or f"Changed by {current.updated_by or current.created_by} meanwhile.")
        self.current = current


class StatusConflict(EditConflict):
    """A change of status asked of a state the annotation is no longer in: somebody decided,
    submitted or sent it back first. Nothing was changed; `current` is the annotation as it is now."""


class OwnWork(PermissionDenied):
    """A reviewer asked to decide on an annotation they made, in a project that does not allow
    self-review (separation of duties: another reviewer decides)."""


OWN_WORK = (
    "You made this annotation, so another reviewer or manager decides on it "
    "(the project does not allow reviewers to decide on their own work)."
)


class DuplicateAnnotation(ValidationError):
    """The author already has a live annotation of this kind on exactly these characters."""


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    DRAFT = "draft"  # send back to its author


DECIDED = {Decision.APPROVE: Status.APPROVED, Decision.REJECT: Status.REJECTED, Decision.DRAFT: Status.DRAFT}
STATUS_WORDS = {
    Status.DRAFT: "a draft",
    Status.SUBMITTED: "submitted",
    Status.APPROVED: "approved",
    Status.REJECTED: "rejected",
}
DECISION_ACTIONS = {
    Decision.APPROVE: Action.APPROVED,
    Decision.REJECT: Action.REJECTED,
    Decision.DRAFT: Action.RETURNED,
}


def require(user, perm: str, obj, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _record(annotation: Annotation, user, action: str, comment: str = "") -> None:
    AnnotationEvent.objects.create(
        annotation=annotation, actor=user, action=action, state=annotation.snapshot(), comment=comment
    )


def create_annotation(
    *, article, user, kind: str, start: int, end: int, exact: str, note: str = "", tags: Sequence[str] = ()
) -> Annotation:
    """Store a new draft highlight; refuse it when `exact` is not the article's text at start–end.

    The creation itself is the first entry of the history (created_by, created_at); later
    changes add AnnotationEvents.
    """
    require(user, "annotations.add_annotation", article, "Only members of the project can annotate its articles.")
    annotation = Annotation(
        article=article, kind=kind, start=start, end=end, exact=exact, note=note, tags=list(tags), created_by=user
    )
    annotation.full_clean(exclude=["prefix", "suffix", "created_by", "article"], validate_constraints=False)
    annotation.anchor(start, end)
    # A lone INSERT is atomic by itself: outside a transaction it needs no BEGIN and COMMIT of
    # its own (two round trips of a span create's eight); inside one, a savepoint keeps a
    # refused duplicate from breaking the caller's transaction.
    savepoint = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with savepoint:
            annotation.save(force_insert=True)
    except IntegrityError as error:
        raise_if_duplicate(error, annotation)
        raise
    return annotation


def raise_if_duplicate(error: IntegrityError, annotation: Annotation) -> None:
    """Turn the database's refusal of a second identical span into the author's message."""
    if "annotation_once_per_author" in str(error):
        raise DuplicateAnnotation(DUPLICATE.format(kind=annotation.get_kind_display())) from None


class ImportedSpan(NamedTuple):
    """A span another tool marked, placed in the text of an article being imported."""

    article: object
    kind: str
    start: int
    end: int
    note: str


def import_spans(*, spans: list[ImportedSpan], user) -> list[Annotation]:
    """Store spans brought in by an import as draft annotations by `user`, in one statement.

    The import itself was checked (`articles.add_article` on the project); the spans are its
    articles' own, so they need no check of their own. A span repeated in the input is stored once.
    """
    annotations = []
    for span in dict.fromkeys(spans):
        annotation = Annotation(article=span.article, kind=span.kind, created_by=user, note=span.note)
        # Another tool may have cut a joined emoji or a letter from its accent: take it whole.
        annotation.anchor(*whole_characters(span.article.text, span.start, span.end))
        annotations.append(annotation)
    return Annotation.objects.bulk_create(annotations)


EDITABLE_FIELDS = ("kind", "start", "end", "exact", "prefix", "suffix", "note", "tags")
# Read back after a status change, which other changes may have preceded since the row was read:
# the history entry keeps the annotation as the change left it.
STATE_FIELDS = ["status", "version", "reviewed_by", "reviewed_at", "updated_by", "updated_at", *EDITABLE_FIELDS]


def update_annotation(*, annotation: Annotation, user, base_version: int, **changes) -> Annotation:
    """Apply `changes` if nobody saved since `base_version`; otherwise raise EditConflict.

    The version check and the write are one UPDATE, so two editors cannot both win. Status is
    not among the changes: it moves by submit_annotation and review_annotation only. An edit
    by someone who may not review sends a reviewed annotation back to draft, and says so.
    """
    require(user, "annotations.change_annotation", annotation, NOT_YOURS)
    if "start" in changes or "end" in changes:
        annotation.anchor(changes.pop("start", annotation.start), changes.pop("end", annotation.end))
        exact = changes.pop("exact", None)
        if exact is not None and exact != annotation.exact:
            raise ValidationError(MISMATCH)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(annotation, field, value)
    annotation.full_clean(exclude=["created_by", "article"], validate_constraints=False)
    comment = ""
    fields = {name: getattr(annotation, name) for name in EDITABLE_FIELDS}
    if annotation.status in {Status.APPROVED, Status.REJECTED} and not user.has_perm(
        "annotations.review_annotation", annotation
    ):
        annotation.status = fields["status"] = Status.DRAFT
        comment = "Edited after review, so back to draft."
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = Annotation.objects.filter(pk=annotation.pk, version=base_version, deleted_at__isnull=True).update(
                **fields, updated_at=now, updated_by=user, version=F("version") + 1
            )
            if not updated:
                current = Annotation.objects.select_related("updated_by", "created_by").get(pk=annotation.pk)
                raise EditConflict(current)
            annotation.version, annotation.updated_at, annotation.updated_by = base_version + 1, now, user
            _record(annotation, user, Action.UPDATED, comment=comment)
    except IntegrityError as error:
        raise_if_duplicate(error, annotation)
        raise
    return annotation


def delete_annotation(*, annotation: Annotation, user) -> None:
    """Hide the annotation; `restore_annotation` brings back the same row with its links.

    Whoever deletes it first records the deletion; a second at the same time changes nothing.
    """
    require(user, "annotations.delete_annotation", annotation, NOT_YOURS)
    with transaction.atomic():
        deleted = (
            Annotation.objects.live()
            .filter(pk=annotation.pk)
            .update(deleted_at=timezone.now(), version=F("version") + 1)
        )
        annotation.refresh_from_db(fields=["deleted_at", *STATE_FIELDS])
        if deleted:
            _record(annotation, user, Action.DELETED)


def restore_annotation(*, annotation: Annotation, user) -> None:
    require(user, "annotations.delete_annotation", annotation, NOT_YOURS)
    try:
        with transaction.atomic():
            restored = Annotation.objects.filter(pk=annotation.pk, deleted_at__isnull=False).update(
                deleted_at=None, version=F("version") + 1
            )
            annotation.refresh_from_db(fields=["deleted_at", *STATE_FIELDS])
            if restored:
                _record(annotation, user, Action.RESTORED)
    except IntegrityError as error:
        raise_if_duplicate(error, annotation)
        raise


def current_state(pk: int) -> Annotation:
    """The annotation as it is now, with what its panel and the API's conflict show of it."""
    return Annotation.objects.select_related("article__project", "created_by", "updated_by", "reviewed_by").get(pk=pk)


def status_conflict(current: Annotation, *, seen_version: int | None, expected: str, attempt: str) -> StatusConflict:
    """The refusal of a status change that found the annotation in another state than the one it
    was asked from: what it is now and who changed it last."""
    if current.deleted_at is not None:
        return StatusConflict(current, f"It was deleted meanwhile; your {attempt} was not recorded.")
    latest = current.events.select_related("actor").first()
    last = f", {latest.get_action_display().lower()} by {latest.actor or 'someone'}" if latest else ""
    now = f"{STATUS_WORDS[current.status]} now (version {current.version}{last})"
    if seen_version is not None:
        lead = f"It changed after the version you saw ({seen_version}): it is {now}."
    else:
        lead = f"It is {now}, not {expected}."
    return StatusConflict(current, f"{lead} Your {attempt} was not recorded; look at it again as it is now.")


def submit_annotation(*, annotation: Annotation, user, seen_version: int | None = None) -> None:
    """Hand a draft (or a rejected annotation, once reworked) to the reviewers.

    One conditional UPDATE: the annotation must still be a draft or rejected, and at
    `seen_version` when the caller names the version it showed; otherwise StatusConflict.
    """
    require(user, "annotations.change_annotation", annotation, NOT_YOURS)
    seen = {} if seen_version is None else {"version": seen_version}
    with transaction.atomic():
        submitted = (
            Annotation.objects.live()
            .filter(pk=annotation.pk, status__in=[Status.DRAFT, Status.REJECTED], **seen)
            .update(status=Status.SUBMITTED, version=F("version") + 1, updated_at=timezone.now(), updated_by=user)
        )
        if not submitted:
            raise status_conflict(
                current_state(annotation.pk),
                seen_version=seen_version,
                expected="a draft: only drafts are submitted",
                attempt="submission",
            )
        annotation.refresh_from_db(fields=STATE_FIELDS)
        _record(annotation, user, Action.SUBMITTED)


def withdraw_annotation(*, annotation: Annotation, user, seen_version: int | None = None) -> None:
    """Take back a submission no reviewer has decided on yet: the annotation is its author's
    draft again.

    One conditional UPDATE, as a decision is: the annotation must still be submitted, and at
    `seen_version` when the caller names the version it showed; otherwise (a reviewer decided
    first, or it changed) StatusConflict with what it is now.
    """
    require(user, "annotations.withdraw_annotation", annotation, "Only its author withdraws a submission.")
    seen = {} if seen_version is None else {"version": seen_version}
    with transaction.atomic():
        withdrawn = (
            Annotation.objects.live()
            .filter(pk=annotation.pk, status=Status.SUBMITTED, **seen)
            .update(status=Status.DRAFT, version=F("version") + 1, updated_at=timezone.now(), updated_by=user)
        )
        if not withdrawn:
            raise status_conflict(
                current_state(annotation.pk),
                seen_version=seen_version,
                expected="submitted and waiting for a decision",
                attempt="withdrawal",
            )
        annotation.refresh_from_db(fields=STATE_FIELDS)
        _record(annotation, user, Action.WITHDRAWN)


class DraftsChanged(Exception):
    """The user's drafts in the article are not as many as they confirmed submitting."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def user_drafts(*, article, user):
    return article.annotations.live().filter(created_by=user, status=Status.DRAFT)


def submit_drafts(*, article, user, expected: int | None = None) -> list[Annotation]:
    """Hand all of the user's drafts in the article to the reviewers at once, each checked by the
    rule as if submitted alone; all or none are submitted.

    `expected` is the number of drafts the user confirmed submitting: when they are not as many
    now (one made or submitted in another tab meanwhile), nothing is submitted and DraftsChanged
    says how many there are, to ask again.
    """
    drafts = user_drafts(article=article, user=user).order_by("start", "end", "pk")
    with transaction.atomic():
        # Locked, so that each is submitted from the version read here.
        drafts = list(drafts.select_for_update(of=("self",)))
        if expected is not None and len(drafts) != expected:
            raise DraftsChanged(len(drafts))
        for annotation in drafts:
            submit_annotation(annotation=annotation, user=user, seen_version=annotation.version)
    return drafts


REASON_NEEDED = "Say why it is rejected; the author needs the reason."


def review_annotation(
    *, annotation: Annotation, user, decision: Decision, reason: str = "", seen_version: int | None = None
) -> bool:
    """Approve, reject (a reason is required) or send back to draft; who, when and why go into the
    history. Return whether the status changed.

    A decision is one conditional UPDATE, so that of reviewers deciding at once exactly one wins:
    it is made from `seen_version`, the version the reviewer was shown, or without one only while
    the annotation is submitted. Any other state raises StatusConflict with the current one.
    Deciding what the seen version already is changes nothing; a draft is its author's still.
    Nobody decides on their own annotation unless the project allows it (OwnWork otherwise).
    """
    if deciding_own_work(user, annotation):
        raise OwnWork(OWN_WORK)
    require(user, "annotations.review_annotation", annotation, "Only reviewers and managers decide on annotations.")
    decision = Decision(decision)
    reason = reason.strip()
    if decision is Decision.REJECT and not reason:
        raise ValidationError(REASON_NEEDED)
    decided = DECIDED[decision]
    seen = {"status": Status.SUBMITTED} if seen_version is None else {"version": seen_version}
    with transaction.atomic():
        won = (
            Annotation.objects.live()
            .filter(pk=annotation.pk, **seen)
            .exclude(status__in=[Status.DRAFT, decided])
            .update(status=decided, reviewed_by=user, reviewed_at=timezone.now(), version=F("version") + 1)
        )
        if not won:
            current = current_state(annotation.pk)
            if seen_version == current.version and current.deleted_at is None:
                if current.status == decided:
                    return False
                # A draft is still its author's: reviewers decide on what was handed to them.
                raise ValidationError("It is a draft: its author has not submitted it for review yet.")
            raise status_conflict(current, seen_version=seen_version, expected="submitted", attempt="decision")
        annotation.refresh_from_db(fields=STATE_FIELDS)
        _record(annotation, user, DECISION_ACTIONS[decision], comment=reason)
    return True


def link_source(*, annotation: Annotation, source, role: str, user, note: str = "") -> Link:
    """Tie the source to the annotation in `role`, a change of the annotation (see links_changed);
    linking what is linked already changes nothing."""
    require(user, "annotations.change_annotation", annotation, NOT_YOURS)
    if source.project_id != annotation.article.project_id:
        raise PermissionDenied("That source belongs to another project.")
    with transaction.atomic():
        status = lock_for_links(annotation)
        link, created = Link.objects.get_or_create(
            annotation=annotation, source=source, role=role, defaults={"note": note, "created_by": user}
        )
        if created:
            links_changed(annotation, user, status, Action.LINKED, f"{link.get_role_display()}: {source}")
    return link


def unlink_source(*, link: Link, user) -> None:
    """Remove the link, a change of its annotation (see links_changed); whoever removes it first
    records it, a second at the same time changes nothing."""
    annotation = link.annotation
    require(user, "annotations.change_annotation", annotation, NOT_YOURS)
    with transaction.atomic():
        status = lock_for_links(annotation)
        deleted, _ = Link.objects.filter(pk=link.pk).delete()
        if deleted:
            links_changed(annotation, user, status, Action.UNLINKED, f"{link.get_role_display()}: {link.source}")


def lock_for_links(annotation: Annotation) -> str:
    """Lock the annotation's row before its links change, and return its status.

    Locked first: a link's insert holds a share lock on the row, so taking the row's lock after
    it could deadlock with a second change of the same annotation's links.
    """
    return Annotation.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=annotation.pk)


def links_changed(annotation: Annotation, user, status: str, action: str, comment: str) -> None:
    """Make a change of the annotation's links a change of the annotation: the speaker, the
    claimant or a cited source is part of what a reviewer decided on.

    The version moves on, so that a decision made from the version before it is stale (409),
    and, as an edit of its text does (update_annotation), a change by someone who may not review
    sends an approved or rejected annotation back to draft, and its history says so.
    """
    changes = {"version": F("version") + 1, "updated_at": timezone.now(), "updated_by": user}
    if status in {Status.APPROVED, Status.REJECTED} and not user.has_perm("annotations.review_annotation", annotation):
        changes["status"] = Status.DRAFT
        comment = f"{comment}. {BACK_TO_DRAFT}"
    Annotation.objects.filter(pk=annotation.pk).update(**changes)
    annotation.refresh_from_db(fields=STATE_FIELDS)
    _record(annotation, user, action, comment=comment)


def add_comment(*, annotation: Annotation, user, body: str) -> Comment:
    """Add to the annotation's discussion; the history notes it too."""
    require(user, "annotations.comment_annotation", annotation, "Only members of the project can discuss it.")
    body = body.strip()
    if not body:
        raise ValidationError("Write something first.")
    with transaction.atomic():
        comment = Comment.objects.create(annotation=annotation, author=user, body=body)
        _record(annotation, user, Action.COMMENTED, comment=body[:200])
        mark_thread_read(annotation=annotation, user=user)
        if annotation.created_by_id != user.pk:
            # The author is in every discussion of their annotation, read or not: from the
            # first reply on, what others write there counts as new to them.
            CommentRead.objects.bulk_create(
                [CommentRead(user_id=annotation.created_by_id, annotation=annotation, read_at=annotation.created_at)],
                ignore_conflicts=True,
            )
    return comment


def mark_thread_read(*, annotation: Annotation, user, at=None) -> None:
    """Remember that the user has read the annotation's discussion up to `at` (now); one statement."""
    if not user.is_authenticated:
        return
    CommentRead.objects.bulk_create(
        [CommentRead(user=user, annotation=annotation, read_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "annotation"],
        update_fields=["read_at"],
    )


class Carried(NamedTuple):
    """An annotation of an earlier version of a text placed in the later one: where, and
    whether it keeps its status (the same words) or goes back to the reviewers (changed words)."""

    origin: Annotation
    start: int
    end: int
    keeps_status: bool
    note: str  # why, for the history: "Carried from version 1: fuzzy, 0.83"


def carry_annotations(*, article, carried: Sequence[Carried], user) -> list[Annotation]:
    """Create the annotations of a new version of a text from those of the version before, in
    a few statements: each with its origin's author, kind, note and tags and a copy of its
    source links, the history noting who carried it and from where.

    The new version itself was checked (`articles.add_article`); the annotations are its
    earlier version's own, so they need no check of their own. One kept its status when its
    words are unchanged; a changed one (a fuzzy match) is submitted again, or stays a draft.
    Call inside a transaction.
    """
    now = timezone.now()
    annotations = []
    for each in carried:
        origin = each.origin
        if each.keeps_status or origin.status == Status.DRAFT:
            status, reviewed = (
                origin.status,
                {"reviewed_by_id": origin.reviewed_by_id, "reviewed_at": origin.reviewed_at},
            )
        else:
            status, reviewed = Status.SUBMITTED, {}
        annotation = Annotation(
            article=article,
            kind=origin.kind,
            note=origin.note,
            tags=list(origin.tags),
            status=status,
            created_by_id=origin.created_by_id,
            created_at=now,
            updated_at=now,
            updated_by=user,
            **reviewed,
        )
        annotation.anchor(each.start, each.end)
        annotations.append(annotation)
    annotations = copy_insert(annotations)
    by_origin = {each.origin.pk: annotation for each, annotation in zip(carried, annotations, strict=True)}
    links = Link.objects.filter(annotation__in=list(by_origin)).order_by("pk")
    Link.objects.bulk_create(
        [
            Link(
                annotation=by_origin[link.annotation_id],
                source_id=link.source_id,
                role=link.role,
                note=link.note,
                created_by_id=link.created_by_id,
            )
            for link in links
        ]
    )
    AnnotationEvent.objects.bulk_create(
        [
            AnnotationEvent(
                annotation=annotation,
                actor=user,
                action=Action.CREATED,
                state=annotation.snapshot(),
                comment=each.note,
                at=now,
            )
            for each, annotation in zip(carried, annotations, strict=True)
        ]
    )
    return annotations
