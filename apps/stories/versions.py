"""Versions of one article: a new text of an article is a new article that replaces it, and every
annotation of the version before is carried to it (see anchoring.py for where each lands).

The old version keeps its text, its annotations, their comments and history untouched; the new
one takes over its story. Each carried annotation is tied to its origin by an Anchoring row;
those not carried exactly wait for a reviewer to confirm, adjust or drop them.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.annotations.services import (
    Carried,
    carry_annotations,
    delete_annotation,
    raise_if_duplicate,
    update_annotation,
)
from apps.articles.models import Article
from apps.articles.services import store_articles
from apps.stories.anchoring import Placement, Quote, State, reanchor
from apps.stories.models import Anchoring, AnchoringDecision

NOT_A_MEMBER = "Only members of the project add versions of its articles."
NOT_A_REVIEWER = "Only the project's reviewers and managers decide on carried annotations."
EMPTY = "The new version has no text."
SAME_TEXT = "The text is the same as this version's; no version was added."
NOT_LATEST = "A later version of this article exists (“{title}”, number {pk}); add the new text to that one."
ADDED_MEANWHILE = "Somebody added a version of this article meanwhile; add the new text to the latest version."
TEXT_STORED_MEANWHILE = "This text was stored in the project meanwhile; no version was added."
TEXT_STORED = "This text is already stored in the project (“{title}”, number {pk}); no version was added."

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class VersionRefused(ValidationError):
    """The text cannot become a new version (empty, the same, or not the latest version)."""


def normalised(text: str) -> str:
    """A pasted or uploaded text as articles store theirs: NFC, LF line ends, no control
    characters, no spaces at line ends, no blank lines at either end."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


@dataclass(frozen=True)
class VersionAdded:
    article: Article
    counts: dict[str, int]  # carried annotations by anchoring state


def add_version(
    *,
    article: Article,
    text: str,
    user,
    title: str = "",
    original: bytes = b"",
    original_name: str = "",
    original_format: str = "text",
    headings: list[int] | None = None,
) -> VersionAdded:
    """Store `text` as the next version of `article` and carry its annotations over.

    Refused (VersionRefused) when the text is empty, the same as the article's, stored already
    in the project, or when a later version exists: versions form one line, and two added at
    once to the same article cannot both be (the database refuses the second).
    """
    if not user.has_perm("articles.add_article", article):
        raise PermissionDenied(NOT_A_MEMBER)
    text = normalised(text)
    if not text.strip():
        raise VersionRefused(EMPTY, code="empty")
    try:
        with transaction.atomic():
            old = Article.objects.select_for_update(of=("self",)).get(pk=article.pk)
            later = Article.objects.filter(replaces=old).only("pk", "title").first()
            if later is not None:
                raise VersionRefused(NOT_LATEST.format(title=later.title, pk=later.pk), code="not_latest")
            if text == old.text:
                raise VersionRefused(SAME_TEXT, code="same_text")
            digest = models.Func(models.Value(text), function="sourcetrace_sha256_hex")
            stored = Article.objects.filter(project_id=old.project_id, content_hash=digest).only("pk", "title").first()
            if stored is not None:
                raise VersionRefused(TEXT_STORED.format(title=stored.title, pk=stored.pk), code="text_stored")
            new = Article(
                project_id=old.project_id,
                title=(title.strip() or old.title)[:500],
                text=text,
                headings=headings or [],
                language=old.language,
                url=old.url,
                publisher_id=old.publisher_id,
                author=old.author,
                published_on=old.published_on,
                original=original or text.encode(),
                original_name=original_name[:500],
                original_format=original_format,
                imported_by=user,
                replaces=old,
                story_id=old.story_id,
            )
            [new] = store_articles(articles=[new])
            if old.story_id:
                # The new version takes the old one's place in its story.
                Article.objects.filter(pk=old.pk).update(story=None)
            counts = carry_over(old=old, new=new, user=user)
    except IntegrityError as error:
        if "article_replaced_once" in str(error):
            raise VersionRefused(ADDED_MEANWHILE, code="not_latest") from None
        if "article_text_once_per_project" in str(error):  # stored by someone else meanwhile
            raise VersionRefused(TEXT_STORED_MEANWHILE, code="text_stored") from None
        raise
    return VersionAdded(new, counts)


def version_number(article: Article) -> int:
    return 1 + sum(1 for _ in earlier_versions(article))


def earlier_versions(article: Article):
    chain = article.version_chain()
    for version in chain:
        if version.pk == article.pk:
            return
        yield version


def carry_over(*, old: Article, new: Article, user) -> dict[str, int]:
    """Place each live annotation of `old` in `new` and store what became of it."""
    origins = list(
        Annotation.objects.live()
        .filter(article=old)
        .only(
            "pk",
            "kind",
            "start",
            "end",
            "exact",
            "prefix",
            "suffix",
            "note",
            "tags",
            "status",
            "created_by_id",
            "reviewed_by_id",
            "reviewed_at",
        )
    )
    placements = reanchor(old.text, new.text, [Quote(a.start, a.end, a.exact, a.prefix, a.suffix) for a in origins])
    placements = without_collisions(origins, placements)
    number = version_number(old)
    carried, carried_placements = [], []
    for origin, placement in zip(origins, placements, strict=True):
        if placement.state is State.ORPHANED:
            continue
        why = f"Carried from version {number} (annotation {origin.pk}): {placement.state}"
        if placement.state is State.FUZZY:
            why += f", {placement.score:.2f} alike"
        keeps = placement.state in (State.EXACT, State.MOVED)
        carried.append(Carried(origin, placement.start, placement.end, keeps, why))
        carried_placements.append(placement)
    annotations = iter(carry_annotations(article=new, carried=carried, user=user))
    rows, counts = [], dict.fromkeys(State, 0)
    for origin, placement in zip(origins, placements, strict=True):
        annotation = None if placement.state is State.ORPHANED else next(annotations)
        rows.append(
            Anchoring(article=new, origin=origin, annotation=annotation, state=placement.state, score=placement.score)
        )
        counts[placement.state] += 1
    Anchoring.objects.bulk_create(rows)
    return {str(state): count for state, count in counts.items()}


def without_collisions(origins: list[Annotation], placements: list[Placement]) -> list[Placement]:
    """An author marks a passage once per kind: when two annotations land on the same one, the
    better placed is carried and the other orphaned (a reviewer may place it by hand)."""
    taken = {}
    rank = {State.EXACT: 3, State.MOVED: 2, State.FUZZY: 1}
    placements = list(placements)
    for index, (origin, placement) in enumerate(zip(origins, placements, strict=True)):
        if placement.state is State.ORPHANED:
            continue
        key = (origin.kind, placement.start, placement.end, origin.created_by_id)
        other = taken.get(key)
        if other is None:
            taken[key] = index
            continue
        loser = index
        if (rank[placement.state], placement.score) > (rank[placements[other].state], placements[other].score):
            loser, taken[key] = other, index
        placements[loser] = Placement(State.ORPHANED, score=placements[loser].score)
    return placements


def require_reviewer(user, anchoring: Anchoring) -> None:
    if not user.has_perm("stories.review_anchoring", anchoring):
        raise PermissionDenied(NOT_A_REVIEWER)


class AnchoringDecided(Exception):
    """Somebody confirmed, adjusted or dropped the carried annotation first."""

    def __init__(self, anchoring: Anchoring):
        who = anchoring.decided_by or "someone"
        super().__init__(f"Already {anchoring.decision} by {who}; nothing was changed.")
        self.anchoring = anchoring


def decide_anchoring(anchoring: Anchoring, user, decision: str) -> None:
    """The one conditional write of a decision: whoever decides first wins."""
    won = Anchoring.objects.filter(pk=anchoring.pk, decision="").update(
        decision=decision, decided_by=user, decided_at=timezone.now()
    )
    if not won:
        raise AnchoringDecided(Anchoring.objects.select_related("decided_by").get(pk=anchoring.pk))
    anchoring.refresh_from_db(fields=["decision", "decided_by", "decided_at"])


def confirm_anchoring(*, anchoring: Anchoring, user) -> Anchoring:
    """Accept where the annotation was carried (or, for an orphaned one, that it is gone)."""
    require_reviewer(user, anchoring)
    with transaction.atomic():
        decide_anchoring(anchoring, user, AnchoringDecision.CONFIRMED)
    return anchoring


def drop_anchoring(*, anchoring: Anchoring, user) -> Anchoring:
    """Remove the carried annotation from the new version (deleted as any annotation is, so it
    can be restored); its origin stays with the old version."""
    require_reviewer(user, anchoring)
    with transaction.atomic():
        decide_anchoring(anchoring, user, AnchoringDecision.DROPPED)
        if anchoring.annotation_id:
            delete_annotation(annotation=anchoring.annotation, user=user)
    return anchoring


def adjust_anchoring(*, anchoring: Anchoring, user, start: int, end: int) -> Anchoring:
    """Put the carried annotation on start–end of the new version; an orphaned one is carried
    there now. Refused (ValidationError) for a span outside the text or cutting a character."""
    require_reviewer(user, anchoring)
    try:
        with transaction.atomic():
            decide_anchoring(anchoring, user, AnchoringDecision.ADJUSTED)
            annotation = anchoring.annotation
            if annotation is not None:
                update_annotation(
                    annotation=annotation, user=user, base_version=annotation.version, start=start, end=end
                )
                return anchoring
            check_span(anchoring.article, start, end)
            origin = anchoring.origin
            note = f"Placed by hand in the later version (annotation {origin.pk} was orphaned)"
            [annotation] = carry_annotations(
                article=anchoring.article, carried=[Carried(origin, start, end, False, note)], user=user
            )
            Anchoring.objects.filter(pk=anchoring.pk).update(annotation=annotation)
            anchoring.annotation = annotation
    except IntegrityError as error:
        raise_if_duplicate(error, anchoring.annotation or Annotation(kind=anchoring.origin.kind))
        raise
    return anchoring


def check_span(article: Article, start: int, end: int) -> None:
    probe = Annotation(article=article, kind=Annotation.Kind.FACT, start=start, end=end)
    probe.exact = article.text[start:end] if 0 <= start < end <= len(article.text) else ""
    probe.clean()
