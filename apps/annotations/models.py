import re
from dataclasses import dataclass, fields
from datetime import date

import pghistory
import regex
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, JSONObject, Left, TruncDate
from django.utils import timezone

from apps.articles.models import searchable
from apps.projects.history import tracked
from apps.projects.models import ProjectScopedQuerySet, check_same_project
from apps.projects.permissions import blinded_project_ids
from apps.sources.models import joined_vectors, search_vector, words

# How much context the TextQuoteSelector keeps on each side; enough to re-anchor a span.
CONTEXT_CHARS = 32

# Tags label an annotation for finding it again, not its text: every page that shows the
# annotation carries them, so their number and size are bounded.
MAX_TAGS = 50
MAX_TAG_CHARS = 100


def validate_tags(tags: list[str]) -> None:
    """Refuse more than MAX_TAGS tags, or a tag longer than MAX_TAG_CHARS characters; the form,
    the API and the services all check tags with this."""
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags per annotation; this has {len(tags):,}.", code="too_many_tags")
    for tag in tags:
        if len(tag) > MAX_TAG_CHARS:
            raise ValidationError(
                f"A tag has at most {MAX_TAG_CHARS} characters; “{tag[:30]}…” has {len(tag):,}.",
                code="tag_too_long",
            )


def quote_selector(text: str, start: int, end: int) -> dict[str, str]:
    """Return the W3C TextQuoteSelector fields for text[start:end]."""
    return {
        "exact": text[start:end],
        "prefix": text[max(0, start - CONTEXT_CHARS) : start],
        "suffix": text[end : end + CONTEXT_CHARS],
    }


# One user-perceived character: a letter with its accents, a flag, a family emoji...
GRAPHEME = regex.compile(r"\X")


def is_plain(character: str) -> bool:
    """A printable ASCII character: between two of them there is always a character boundary
    (Unicode's rules for user-perceived characters join none of them to a neighbour)."""
    return " " <= character <= "~"


def character_around(text: str, position: int) -> tuple[int, int] | None:
    """The user-perceived character of `text` that `position` falls inside, or None at a boundary.

    Clusters never cross a line feed, so only the position's own line is segmented.
    """
    if position <= 0 or position >= len(text):
        return None
    if is_plain(text[position - 1]) and is_plain(text[position]):
        return None
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    # Segmenting a long paragraph from its start cost more than the rest of a span's creation;
    # it starts instead at the nearest boundary before the position that two plain characters
    # make (or the line's start).
    start = position - 1
    while start > line_start and not (is_plain(text[start - 1]) and is_plain(text[start])):
        start -= 1
    for cluster in GRAPHEME.finditer(text, start, len(text) if line_end == -1 else line_end):
        if cluster.end() >= position:
            return cluster.span() if cluster.start() < position < cluster.end() else None
    return None


def cuts_a_character(text: str, position: int) -> bool:
    return character_around(text, position) is not None


def whole_characters(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen start–end to the edges of the characters it cuts."""
    around_start, around_end = character_around(text, start), character_around(text, end)
    return (around_start[0] if around_start else start), (around_end[1] if around_end else end)


def open_work(user, annotation: str = "") -> models.Q | None:
    """Blind mode for many rows: the annotations (reached through `annotation`, a lookup path)
    whose existence the user may know of; None when blind mode hides nothing from them.

    In a blind project an analyst sees their own annotations, and others' only on articles a
    reviewer marked curated; the permission `annotations.view_annotation` says the same per row.
    """
    hidden = blinded_project_ids(user)
    if not hidden:
        return None
    return (
        ~models.Q(**{f"{annotation}article__project_id__in": hidden})
        | models.Q(**{f"{annotation}created_by": user.pk})
        | models.Q(**{f"{annotation}article__curated_at__isnull": False})
    )


# Marks that open a quotation in the languages the articles come in.
OPENING_QUOTES = "\"'“”„‟‘’‚‛«»‹›「『〝"


def quoted(passage: str, limit: int = 60) -> str:
    """The passage for a heading or a list: cut at a word near `limit` characters, and put in
    quotation marks unless it opens with its own ("„Wir…“" is not wrapped in “…” again)."""
    passage = " ".join(passage.split())
    if len(passage) > limit:
        cut = passage[:limit].rsplit(" ", 1)[0] if " " in passage[: limit + 1] else passage[:limit]
        passage = cut.rstrip(",;:") + "…"
    return passage if passage[:1] in OPENING_QUOTES else f"“{passage}”"


SENTENCE_END = re.compile(r"[.!?…。！？؟]\s|\n")


def sentence_start(prefix: str) -> str:
    """The end of `prefix` from the start of its last sentence, or "…" and all of it."""
    ends = list(SENTENCE_END.finditer(prefix))
    return prefix[ends[-1].end() :].lstrip() if ends else ("…" + prefix if prefix else "")


def sentence_end(suffix: str) -> str:
    """The start of `suffix` up to the end of its first sentence, or all of it and "…"."""
    end = SENTENCE_END.search(suffix)
    return suffix[: end.start() + 1].rstrip() if end else (suffix + "…" if suffix else "")


# The text search configuration of the annotations' search column: words as written.
WORDS_CONFIG = "sourcetrace_simple"
# Typographic quotation marks are phrases too ("Abkommen" typed with German quotes).
QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″", '"'))


def websearch_text(typed: str) -> str:
    """What was typed as websearch_to_tsquery reads it: typographic quotes as plain ones, white space collapsed."""
    return " ".join(typed.translate(QUOTES).split())


def has_words(typed: str) -> bool:
    """Whether anything is left to look for once the operators (quotes, `or`, `-`) are set aside."""
    return any(
        character.isalnum()
        for word in websearch_text(typed).replace('"', " ").split()
        if word.casefold() != "or"
        for character in word
    )


@dataclass(frozen=True)
class AnnotationFilters:
    """What a list of annotations across articles is narrowed to: the annotation list's filters,
    which its exports and the API read as well ("" or None: not narrowed by it).

    The names are the address's parameters (see AnnotationFiltersForm), `words` being `q`.
    """

    kind: str = ""
    status: str = ""
    tag: str = ""
    author: str = ""  # the user name of the annotation's author
    language: str = ""  # the article's
    source: int | None = None  # linked to this source (its id)...
    source_name: str = ""  # ...or to a source of this name or alias, or part of it (folded: "mil man" is "Mil-Man")
    role: str = ""  # linked in this role ("said_by", "claimant"...): to that source, if one is named
    since: date | None = None  # created on or after this day
    until: date | None = None  # created on or before this day
    words: str = ""  # websearch_to_tsquery's language over the marked words, the note and the tags

    PARAMETERS = {"words": "q"}

    def __bool__(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def without(self, *names: str) -> "AnnotationFilters":
        return type(self)(**{f.name: getattr(self, f.name) for f in fields(self) if f.name not in names})

    def as_parameters(self) -> dict[str, str]:
        """The filters as an address's query parameters, only those that narrow."""
        return {
            self.PARAMETERS.get(field.name, field.name): str(value)
            for field in fields(self)
            if (value := getattr(self, field.name))
        }

    def described(self) -> list[str]:
        """The filters in words, for a title: ["quotes", "tagged “sanctions”", ...]."""
        parts = []
        if self.status:
            parts.append(self.status)
        if self.kind:
            parts.append(f"{self.kind}s")
        if self.author:
            parts.append(f"by {self.author}")
        role = LinkRole(self.role).label.lower() if self.role in LinkRole.values else ""
        if self.source_name or self.source:
            whom = f"“{self.source_name}”" if self.source_name else f"source {self.source}"
            parts.append(f"linked to {whom}" + (f" as {role}" if role else ""))
        elif role:
            parts.append(f"with a source linked as {role}")
        if self.tag:
            parts.append(f"tagged “{self.tag}”")
        if self.language:
            parts.append(f"in articles in {self.language}")
        if self.words:
            parts.append(f"matching “{self.words}”")
        if self.since:
            parts.append(f"made from {self.since:%Y-%m-%d}")
        if self.until:
            parts.append(f"made until {self.until:%Y-%m-%d}")
        return parts


class AnnotationQuerySet(ProjectScopedQuerySet):
    project_field = "article__project"

    def visible_to(self, user):
        """Annotations of the user's projects that blind mode does not hide from them."""
        return super().visible_to(user).open_to(user)

    def open_to(self, user):
        """Only blind mode's part of `visible_to`, for rows already kept to the user's projects
        (an article's annotations, a count beside each listed article)."""
        condition = open_work(user)
        return self if condition is None else self.filter(condition)

    def live(self):
        return self.filter(deleted_at__isnull=True)

    def of_latest_versions(self):
        """Only annotations of articles no later version replaces: lists, counts, exports and
        agreement are about the latest text (the earlier versions keep theirs, on their pages)."""
        articles = self.model._meta.get_field("article").related_model.objects
        return self.filter(~models.Exists(articles.filter(replaces=models.OuterRef("article_id"))))

    def filtered(self, filters: AnnotationFilters):
        """The annotations that meet every one of `filters`; the rows still need scoping (`visible_to`)."""
        rows = self
        for name in ("kind", "status"):
            if getattr(filters, name):
                rows = rows.filter(**{name: getattr(filters, name)})
        if filters.tag:
            rows = rows.filter(tags__contains=[filters.tag])
        if filters.author:
            rows = rows.filter(created_by__username=filters.author)
        if filters.language:
            rows = rows.filter(article__language=filters.language)
        if filters.source or filters.source_name or filters.role:
            links = Link.objects.filter(annotation=models.OuterRef("pk"))
            if filters.source:
                links = links.filter(source_id=filters.source)
            if filters.source_name:
                # Looked up, not imported: sources come below annotations.
                sources = Link._meta.get_field("source").related_model.objects.called(filters.source_name)
                links = links.filter(source__in=sources.order_by().values("pk"))
            if filters.role:
                links = links.filter(role=filters.role)
            rows = rows.filter(models.Exists(links))
        if filters.since or filters.until:
            rows = rows.alias(created_on=TruncDate("created_at"))
        if filters.since:
            rows = rows.filter(created_on__gte=filters.since)
        if filters.until:
            rows = rows.filter(created_on__lte=filters.until)
        if filters.words:
            rows = rows.filter(search=words_query(filters.words))
        return rows

    def rejected_for(self, user):
        """The user's own annotations a reviewer rejected that they have not reworked yet: an edit
        sends one back to draft, a submission hands it in again, and it is no longer listed."""
        return self.visible_to(user).live().filter(created_by=user.pk, status=AnnotationStatus.REJECTED)

    def own_work_of(self, user):
        """The user's own live annotations (in the projects they still belong to), the latest changed first."""
        return self.visible_to(user).live().filter(created_by=user.pk).order_by("-updated_at", "-pk")

    def awaiting_reply_from(self, user):
        """Discussions waiting for the user's reply: those they are part of (see
        CommentQuerySet.in_threads_of) whose latest comment someone else wrote. Each with
        `last_comment`, `last_comment_by` (a user name) and `last_comment_at`, the latest first."""
        latest = Comment.objects.filter(annotation=models.OuterRef("pk")).order_by("-created_at", "-pk")
        return (
            self.visible_to(user)
            .live()
            .filter(reads__user=user.pk)
            .annotate(
                last_comment_author=models.Subquery(latest.values("author_id")[:1]),
                last_comment_by=models.Subquery(latest.values("author__username")[:1]),
                last_comment_at=models.Subquery(latest.values("created_at")[:1]),
                last_comment=models.Subquery(latest.values("body")[:1]),
            )
            .filter(last_comment_author__isnull=False)
            .exclude(last_comment_author=user.pk)
            .order_by("-last_comment_at", "-pk")
        )

    def with_rejection(self):
        """Each annotation with its latest rejection: `rejection_reason`, `rejected_by` (a user
        name) and `rejected_at`, in the same query."""
        latest = AnnotationEvent.objects.filter(annotation=models.OuterRef("pk"), action=EventAction.REJECTED)
        latest = latest.order_by("-at", "-id")
        return self.annotate(
            rejection_reason=models.Subquery(latest.values("comment")[:1]),
            rejected_by=models.Subquery(latest.values("actor__username")[:1]),
            rejected_at=models.Subquery(latest.values("at")[:1]),
        )

    def decidable_by(self, user):
        """What the user may approve or reject: the annotations of the projects they review, their
        own only where the project allows self-review (the rule annotations.review_annotation)."""
        rows = self.reviewable_by(user)
        if user.is_active and user.is_superuser:
            return rows
        return rows.exclude(created_by=user.pk, article__project__self_review=False)

    def waiting_for_review(self):
        """Submitted and not yet decided, the longest waiting first (a submit stamps updated_at)."""
        return self.live().filter(status=AnnotationStatus.SUBMITTED).order_by("updated_at", "pk")

    def with_attributions(self):
        """Each annotation with `attributions`: the links to whoever said or claims it, with their
        sources, for all the rows in one query."""
        attributions = (
            Link.objects.filter(role__in=[LinkRole.SAID_BY, LinkRole.CLAIMANT]).select_related("source").order_by("pk")
        )
        return self.prefetch_related(models.Prefetch("links", queryset=attributions, to_attr="attributions"))

    def with_unread_count(self, user):
        """Each annotation with `unread`: how many comments of its thread are new to the user."""
        unread = (
            Comment.objects.filter(annotation=models.OuterRef("pk"))
            .unread_by(user)
            .order_by()
            .values("annotation")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return self.annotate(unread=Coalesce(models.Subquery(unread), 0))

    def for_listing(self, excerpt_chars: int):
        """Rows for the article page in one query: no model instances, links folded into an array."""
        links = Link.objects.filter(annotation=models.OuterRef("pk")).order_by("pk")
        return self.order_by("start", "end", "pk").values_list(
            "pk",
            "kind",
            "start",
            "end",
            Left("exact", excerpt_chars + 1),
            "status",
            "created_by_id",
            "created_by__username",
            ArraySubquery(links.values(json=JSONObject(role="role", source="source__name", source_id="source_id"))),
        )


def words_query(typed: str) -> SearchQuery:
    """`typed` as a query of the annotations' search column (the marked words, the note, the tags)."""
    return SearchQuery(websearch_text(typed), config=WORDS_CONFIG, search_type="websearch")


class AnnotationKind(models.TextChoices):
    CLAIM = "claim"
    QUOTE = "quote"
    FACT = "fact"


class AnnotationStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@tracked(
    "AnnotationHistory",
    # The selector's context is the article's own text around `exact`; the text never changes.
    exclude=["prefix", "suffix", "search"],
    # One trigger run per statement, not per row: imports insert many spans at once.
    level=pghistory.Statement,
)
class Annotation(models.Model):
    """A span of an article's text marked as a claim, a quote or a fact."""

    Kind = AnnotationKind

    Status = AnnotationStatus

    # No index of its own: annotation_article_start leads with the article, and every index
    # is one more write per span created.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="annotations", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind)
    # Unicode code points into Article.text (what Python's str indexes), not UTF-16 units.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # W3C TextQuoteSelector: lets the span be re-anchored in another version of the text.
    exact = models.TextField()
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    tags = ArrayField(models.CharField(max_length=MAX_TAG_CHARS), blank=True, default=list, validators=[validate_tags])
    sources = models.ManyToManyField("sources.Source", through="Link", related_name="annotations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: a save must name the version it was based on.
    version = models.PositiveIntegerField(default=1)
    # Soft delete, so that "undo" restores the very same row with its links and history.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The marked words, the note and the tags for full-text search (apps.search), kept by
    # PostgreSQL itself. Words as written, accents and case aside: a generated column cannot read
    # the article's language, whose stems the article's own search column has.
    search = models.GeneratedField(
        expression=joined_vectors(
            search_vector("exact"), search_vector("note", "B"), search_vector(words("tags"), "B")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        # The column, not the relation: "article" would join the articles table into every
        # annotation query to sort by the article's own ordering.
        ordering = ["article_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__gte=0), name="annotation_start_not_negative"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="annotation_span_not_empty"),
            models.CheckConstraint(condition=models.Q(kind__in=AnnotationKind.values), name="annotation_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=AnnotationStatus.values), name="annotation_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="annotation_version_positive"),
            models.CheckConstraint(condition=models.Q(tags__len__lte=MAX_TAGS), name="annotation_tags_bounded"),
            models.UniqueConstraint(
                fields=["article", "kind", "start", "end", "created_by"],
                condition=models.Q(deleted_at__isnull=True),
                name="annotation_once_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "start"], name="annotation_article_start"),
            # The admin's list (latest changes first) and the review queue (submitted, oldest first).
            models.Index(
                fields=["-updated_at", "-id"], name="annotation_recent", condition=models.Q(deleted_at__isnull=True)
            ),
            models.Index(
                fields=["status", "updated_at", "id"],
                name="annotation_status_updated",
                condition=models.Q(deleted_at__isnull=True),
            ),
            # What waits for review, per article: a project's queue and its counts read only these
            # rows (the project is the article's), never the whole table.
            models.Index(
                fields=["article"],
                include=["created_by"],
                name="annotation_waiting",
                condition=models.Q(status=AnnotationStatus.SUBMITTED, deleted_at__isnull=True),
            ),
            # Each page's header counts the user's rejected annotations: these rows only, never
            # the user's whole work (a reviewer rejects few).
            models.Index(
                fields=["created_by"],
                name="annotation_rejected",
                condition=models.Q(status=AnnotationStatus.REJECTED, deleted_at__isnull=True),
            ),
            # The admin's search, which must not read a million rows (see AnnotationAdmin.get_search_results).
            GinIndex(OpClass(searchable("exact"), name="gin_trgm_ops"), name="annotation_exact_trgm"),
            GinIndex(OpClass(searchable("note"), name="gin_trgm_ops"), name="annotation_note_trgm"),
            GinIndex(fields=["search"], name="annotation_search"),
            # The lists' and the search's filters by day and by tag: read the rows of those days or
            # that tag, not every row of the words (or of the projects) to check each one.
            models.Index(TruncDate("created_at"), name="annotation_day", condition=models.Q(deleted_at__isnull=True)),
            GinIndex(fields=["tags"], name="annotation_tags", condition=models.Q(deleted_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {quoted(self.exact)}"

    @property
    def project_id(self) -> int:
        """The project whose roles decide who may do what with it (see projects.permissions)."""
        return self.article.project_id

    def clean(self):
        super().clean()
        text = self.article.text
        if self.start is None or self.end is None:
            return
        if not 0 <= self.start < self.end <= len(text):
            raise ValidationError(
                f"The span {self.start}–{self.end} is outside the article's text (0–{len(text)} characters)."
            )
        if self.exact != text[self.start : self.end]:
            raise ValidationError(
                {"exact": "The selected text does not match the article at these offsets; nothing was saved."}
            )
        if cuts_a_character(text, self.start) or cuts_a_character(text, self.end):
            raise ValidationError(
                "The highlight would cut a character in two (an emoji, a flag or a letter with its accent); "
                "select whole characters. Nothing was saved."
            )

    def anchor(self, start: int, end: int) -> None:
        """Point the annotation at text[start:end], refreshing its quote selector."""
        self.start, self.end = start, end
        for field, value in quote_selector(self.article.text, start, end).items():
            setattr(self, field, value)

    @property
    def speaker_role(self) -> str | None:
        """The link role that names who a quote or claim is attributed to."""
        return {self.Kind.QUOTE: Link.Role.SAID_BY, self.Kind.CLAIM: Link.Role.CLAIMANT}.get(self.kind)

    @property
    def sentence_before(self) -> str:
        """The words before the passage from the start of their sentence (its quote selector's prefix)."""
        return sentence_start(self.prefix)

    @property
    def sentence_after(self) -> str:
        """The words after the passage to the end of their sentence (its quote selector's suffix)."""
        return sentence_end(self.suffix)

    def rejection(self) -> "AnnotationEvent | None":
        """The latest rejection, whose reason heads the discussion, also once the annotation was
        reworked and handed in again."""
        return self.events.filter(action=EventAction.REJECTED).select_related("actor").first()

    def snapshot(self) -> dict:
        """The fields a history entry keeps, to show what changed."""
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "exact": self.exact,
            "note": self.note,
            "status": self.status,
            "tags": list(self.tags),
        }


# Labels of choices are written as Django writes the ones it makes from the names ("Claimant"):
# capitalised, lowered where a sentence runs on ("sent back to draft by rev").
class LinkRole(models.TextChoices):
    SAID_BY = "said_by", "Said by"
    CLAIMANT = "claimant"
    CITED = "cited"
    EVIDENCE = "evidence"
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"


@tracked("LinkHistory")
class Link(models.Model):
    """An annotation's tie to a source, with the part the source plays."""

    Role = LinkRole

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, related_name="links")
    role = models.CharField(max_length=12, choices=Role)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "source", "role"], name="link_once_per_role"),
            models.CheckConstraint(condition=models.Q(role__in=LinkRole.values), name="link_role_valid"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.source}"

    @property
    def project_id(self) -> int:
        return self.annotation.project_id

    def clean(self):
        super().clean()
        check_same_project(self, "source")


class EventAction(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"
    LINKED = "linked"
    UNLINKED = "unlinked"
    SUBMITTED = "submitted"
    # Taken back by its author before any reviewer decided: not a decision.
    WITHDRAWN = "withdrawn"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned", "Sent back to draft"
    COMMENTED = "commented"


class AnnotationEvent(models.Model):
    """One change to an annotation: who, when, what it became. The history is never edited."""

    Action = EventAction

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=10, choices=Action)
    state = models.JSONField(default=dict, help_text="The annotation as it was after this change.")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=EventAction.values), name="event_action_valid"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class ArticleChange(models.Model):
    """A transaction that changed an article's annotations or their history.

    Written by database triggers (migration 0012) for every statement that inserts, updates or
    deletes annotations, or adds to their history, whoever runs it: the services, an import's
    bulk insert, plain SQL. One row per article and transaction, only ever inserted, so writers
    never wait for each other here. Figures worked out from an article's annotations by a reader
    whose snapshot's oldest running transaction was T hold while no row of the article names T or
    a later transaction (see apps/review/figures.py).
    """

    pk = models.CompositePrimaryKey("article", "transaction_id")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # PostgreSQL's 64-bit transaction id (pg_current_xact_id()), which never wraps around.
    transaction_id = models.BigIntegerField()

    def __str__(self):
        return f"article {self.article_id} changed by transaction {self.transaction_id}"


class CommentQuerySet(ProjectScopedQuerySet):
    project_field = "annotation__article__project"

    def visible_to(self, user):
        """The discussions of the annotations the user sees (blind mode included)."""
        scoped = super().visible_to(user)
        condition = open_work(user, annotation="annotation__")
        return scoped if condition is None else scoped.filter(condition)

    def unread_by(self, user):
        """Comments by others newer than the user's last reading of their thread (all, if never read)."""
        last_read = CommentRead.objects.filter(user=user, annotation=models.OuterRef("annotation_id")).values("read_at")
        return (
            self.exclude(author=user)
            .alias(last_read=models.Subquery(last_read[:1]))
            .filter(models.Q(last_read__isnull=True) | models.Q(created_at__gt=models.F("last_read")))
        )

    def unread_in_threads_of(self, user):
        """Unread comments in the threads the user is part of: those they have read or written in,
        and their own annotations' once somebody replied there (see services.add_comment)."""
        return self.visible_to(user).in_threads_of(models.Value(user.pk)).exclude(author=user)

    def in_threads_of(self, user_id):
        """Comments written after `user_id` last read their thread, of live annotations; one join
        with the user's readings, in the same filter() so that it is the same reading's time."""
        return self.filter(
            annotation__deleted_at__isnull=True,
            annotation__reads__user_id=user_id,
            created_at__gt=models.F("annotation__reads__read_at"),
        )


@tracked("CommentHistory")
class Comment(models.Model):
    """One message of an annotation's discussion between its analyst and the reviewers."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(body=""), name="comment_body_not_empty")]
        indexes = [models.Index(fields=["annotation", "created_at"], name="comment_annotation_created")]

    def __str__(self):
        return f"{self.author}: {self.body[:60]}"


class CommentRead(models.Model):
    """When a user last read an annotation's discussion; what others wrote after that is new to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "annotation"], name="comment_read_once_per_user")]

    def __str__(self):
        return f"{self.user} read {self.annotation_id} at {self.read_at:%Y-%m-%d %H:%M}"
