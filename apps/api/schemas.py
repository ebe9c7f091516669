"""The shapes the API reads and writes; ninja builds the OpenAPI description from them.

They describe the types; the rules are the forms' and the services' (see endpoints), so
that the API refuses exactly what the workbench and the import page refuse.
"""

from datetime import UTC, date, datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from apps.annotations.models import MAX_TAG_CHARS, MAX_TAGS, AnnotationKind, AnnotationStatus, LinkRole
from apps.annotations.services import Decision
from apps.sources.models import SourceKind

# Larger numbers are no row's id, and PostgreSQL's integers stop here.
MAX_ID = 2**63 - 1


class InputSchema(Schema):
    """A request body: each of its fields is stored (or checked), and a field it does not have is
    refused with 422 naming it, never dropped unseen."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def only_known_fields(cls, data):
        if not isinstance(data, dict):
            return data
        fields = [field.alias or name for name, field in cls.model_fields.items()]
        unknown = [key for key in data if key not in fields]
        if unknown:
            message = PydanticCustomError(
                "unknown_field",
                "This request has no such field, so nothing was changed; it takes {fields}.",
                {"fields": ", ".join(fields)},
            )
            errors = [InitErrorDetails(type=message, loc=(str(key),), input=data[key]) for key in unknown]
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return data


def commas_refused(tags: list[str] | None) -> list[str] | None:
    """Tags are kept as the workbench writes them, separated by commas: a tag cannot hold one."""
    for tag in tags or ():
        if "," in tag:
            raise ValueError(f"A tag cannot contain a comma: {tag[:50]!r}.")
    return tags


TAGS_DESCRIPTION = f"At most {MAX_TAGS} tags, each at most {MAX_TAG_CHARS} characters, none with a comma."


class FieldError(Schema):
    field: str = Field(description="The field refused, or `__all__` for the request as a whole.")
    message: str


class ErrorOut(Schema):
    message: str = Field(description="What was refused and why, for people.")
    errors: list[FieldError] = Field(default_factory=list, description="Each refused field with its reason.")


class Page(Schema):
    limit: int = Field(50, ge=1, le=100, description="How many items a page holds (at most 100).")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="How many items to skip.")


class PageOut(Schema):
    count: int = Field(description="How many items all pages hold together.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page's address, also in the Link header.")
    previous: str | None


class ProjectOut(Schema):
    id: int
    name: str
    description: str
    role: str | None = Field(description="Your role here: analyst, reviewer or manager (none for a superuser).")
    created_at: datetime


class ArticleBrief(Schema):
    id: int
    project: int = Field(alias="project_id")
    title: str
    language: str
    url: str
    author: str
    published_on: date | None
    publisher: str | None
    original_name: str
    imported_at: datetime
    annotation_count: int

    @staticmethod
    def resolve_publisher(article) -> str | None:
        return article.publisher.name if article.publisher_id else None


class VersionIn(InputSchema):
    text: str = Field(description="The article's new text, whole; it replaces the article as its next version.")
    title: str = Field("", max_length=500, description="The new version's title; the article's by default.")


class VersionOut(Schema):
    id: int = Field(description="The new version's article id.")
    replaces: int = Field(description="The article it replaces.")
    anchoring: dict[str, int] = Field(
        description="The annotations carried over, by how: exact, moved, fuzzy, orphaned."
    )


class ArticlePage(PageOut):
    items: list[ArticleBrief]


class ArticleOut(ArticleBrief):
    text: str = Field(description="The text every annotation's offsets (Unicode code points) point into.")
    text_length: int
    headings: list[int] = Field(description="Code-point starts of the lines that are headings.")
    story: int | None = Field(alias="story_id")
    content_hash: str
    replaces: int | None = Field(
        alias="replaces_id", description="The earlier version of this text; the article list has the latest ones only."
    )


class Representation(BaseModel):
    """A representation built from plain values (see representations.py), validated by pydantic's
    core alone: a page of 100 annotations costs a fraction of reading each row's attributes."""


class SourceBrief(Representation):
    id: int
    name: str
    kind: SourceKind


class LinkOut(Representation):
    id: int
    annotation: int
    role: LinkRole
    note: str
    source: SourceBrief


class CounterpartBrief(Representation):
    id: int
    article: int
    kind: AnnotationKind
    status: AnnotationStatus
    start: int
    end: int
    exact: str


class CounterpartProposal(Schema):
    start: int = Field(description="Code point where the proposed span starts in the other article's text.")
    end: int
    exact: str
    score: float = Field(description="How sure the proposal is, from 0 to 1.")


class AnnotationOut(Representation):
    id: int
    article: int
    kind: AnnotationKind
    status: AnnotationStatus
    start: int = Field(description="Code point where the span starts in the article's text.")
    end: int = Field(description="Code point just after the span.")
    exact: str
    prefix: str
    suffix: str
    note: str
    tags: list[str]
    version: int = Field(description="Send it back with a change (or If-Match with the ETag).")
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    anchoring: Literal["exact", "moved", "fuzzy", "orphaned"] | None = Field(
        description="How it was carried from the article's earlier version: the same words where the edits "
        "left them (exact), found elsewhere (moved), changed a little (fuzzy: back to review), or placed by hand "
        "once its words were gone (orphaned); null when never carried. `start`, `end` and `exact` are this "
        "version's."
    )
    links: list[LinkOut]
    counterparts: list[CounterpartBrief] | None = Field(
        None,
        description="In the detail: the annotations of other articles of the story marking the same passage.",
    )


class AnnotationPage(PageOut):
    items: list[AnnotationOut]


class ConflictOut(ErrorOut):
    current: AnnotationOut = Field(description="The annotation as it is now; nothing was changed.")


class AnnotationFilters(Schema):
    article: int | None = Field(None, ge=1, le=MAX_ID)
    project: int | None = Field(None, ge=1, le=MAX_ID)
    kind: AnnotationKind | None = None
    status: AnnotationStatus | None = None
    author: str | None = Field(None, max_length=150, description="The author's user name.")
    source: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only annotations linked to this source (its id), in any role unless `role`."
    )
    role: LinkRole | None = Field(
        None,
        description="Only annotations with a source linked in this role (to `source`, if given): `said_by` for "
        "speakers (all quotes said by someone), `claimant` for claimants, `cited`, `evidence`, `supports`, "
        "`contradicts`.",
    )
    updated_since: datetime | None = Field(
        None, description="Changed at or after this time (ISO 8601; UTC if no offset)."
    )

    @field_validator("updated_since")
    @classmethod
    def in_utc(cls, moment: datetime | None) -> datetime | None:
        """PostgreSQL takes offsets within ±15:59 and years up to 294276: UTC fits every moment there is."""
        if moment is None:
            return None
        try:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:
            raise ValueError("This moment is out of range.") from None


class AnnotationIn(InputSchema):
    article: int = Field(ge=1, le=MAX_ID)
    kind: AnnotationKind
    start: int = Field(description="Unicode code point offset into the article's text.")
    end: int
    exact: str = Field(description="The text at start–end, to prove the offsets point where you mean.")
    note: str = ""
    tags: list[str] = Field(default_factory=list, description=TAGS_DESCRIPTION)
    counterpart: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="An annotation of another article of the story that this one is the counterpart of "
        "(its speaker or claimant links come along).",
    )

    _tags = field_validator("tags")(commas_refused)


class AnnotationChange(InputSchema):
    version: int | None = Field(None, description="The version you edited; or send If-Match with the ETag.")
    kind: AnnotationKind | None = None
    note: str | None = None
    tags: list[str] | None = Field(None, description=TAGS_DESCRIPTION)
    start: int | None = None
    end: int | None = None
    exact: str | None = Field(None, description="With start and end: the text there, checked like on create.")

    _tags = field_validator("tags")(commas_refused)


class SubmitIn(InputSchema):
    version: int | None = Field(
        None, description="The version you submit (or send If-Match with the ETag): 409 if somebody changed it since."
    )


class ReviewIn(InputSchema):
    decision: Decision = Field(description="approve, reject (needs a reason) or draft (back to its author).")
    reason: str = ""
    version: int | None = Field(
        None,
        description=(
            "The version you decided on (or send If-Match with the ETag): if somebody changed it since, "
            "the answer is 409 with its current state. Without it the decision applies only while the "
            "annotation is submitted."
        ),
    )


class CommentIn(InputSchema):
    body: str


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime

    @staticmethod
    def resolve_author(comment) -> str:
        return comment.author.get_username()


class LinkIn(InputSchema):
    role: LinkRole
    source: int | None = Field(None, ge=1, le=MAX_ID, description="An existing source of the project.")
    new_source_name: str = Field("", description="Or the name of a source to find or create.")
    new_source_kind: SourceKind | None = None
    note: str = ""


class SourceOut(Schema):
    id: int
    project: int = Field(alias="project_id")
    name: str
    kind: SourceKind
    url: str
    description: str
    aliases: list[str]
    created_at: datetime


class SourcePage(PageOut):
    items: list[SourceOut]


class SourceIn(InputSchema):
    project: int = Field(ge=1, le=MAX_ID)
    name: str
    kind: SourceKind
    url: str = ""
    description: str = ""
    aliases: list[str] = Field(default_factory=list)


class SourceChange(InputSchema):
    name: str | None = None
    kind: SourceKind | None = None
    url: str | None = None
    description: str | None = None
    aliases: list[str] | None = None


class MergeIn(InputSchema):
    into: int = Field(ge=1, le=MAX_ID, description="The source that stays: it takes this one's name as an alias.")


class MovedOut(Schema):
    links: int = Field(description="Annotation links moved to the survivor.")
    folded_links: int = Field(description="Links that repeated one of the survivor's (same annotation and role).")
    articles: int = Field(description="Articles whose publisher it was.")
    affiliates: int = Field(description="Sources whose organisation it was.")
    aliases: list[str] = Field(description="Spellings the survivor took as aliases.")


class SourceMergeOut(Schema):
    id: int
    project: int = Field(alias="project_id")
    survivor: int = Field(alias="survivor_id", description="The source that stayed.")
    merged: int = Field(alias="merged_id", description="The source merged away (made again by an undo, same id).")
    merged_name: str
    merged_by: str | None = Field(description="User name of the manager who merged.")
    merged_at: datetime
    moved: MovedOut
    undone_by: str | None
    undone_at: datetime | None
    not_restored: list[str] = Field(description="What the undo could not restore, and why.")

    @staticmethod
    def resolve_merged_by(merge) -> str | None:
        return merge.merged_by.username if merge.merged_by else None

    @staticmethod
    def resolve_undone_by(merge) -> str | None:
        return merge.undone_by.username if merge.undone_by else None

    @staticmethod
    def resolve_moved(merge) -> dict:
        counts = {what: merge.count(what) for what in ("links", "folded_links", "articles", "affiliates")}
        return counts | {"aliases": merge.moved.get("aliases", [])}


class ImportIn(InputSchema):
    project: int = Field(ge=1, le=MAX_ID)
    text: str = Field("", description="Pasted text, one article.")
    title: str = Field("", description="The pasted text's title; else its first line.")
    url: str = Field("", description="A web address to fetch.")
    articles: list[dict] = Field(
        default_factory=list,
        description="Articles as JSON Lines objects (`text` or `html`, with optional metadata), one per item.",
    )


class OutcomeOut(Schema):
    label: str
    status: Literal["imported", "duplicate", "refused"]
    message: str
    article: int | None = Field(alias="article_id")


class ImportJobOut(Schema):
    id: int
    project: int = Field(alias="project_id")
    state: Literal["queued", "running", "done", "failed"]
    total: int | None
    position: int
    imported: int
    duplicates: int
    refused: int
    normalised: int = Field(
        description=(
            "Of the imported, the texts stored composed (NFC): their spans cover the same characters at new offsets."
        )
    )
    error: str
    created_at: datetime
    finished_at: datetime | None
    outcomes: list[OutcomeOut] | None = Field(
        None, description="What became of each input, once the job has ended (the first of each kind)."
    )


SearchType = Literal["article", "annotation", "source", "claim"]


class SearchFilters(Schema):
    q: str | None = Field(
        None,
        max_length=500,
        description='What to look for: words, "a phrase", `or` between alternatives, `-word` to leave out. '
        "Stems of each article's language count, accents and case do not; names are found however spelled.",
    )
    type: SearchType | None = Field(None, description="Only articles, annotations, sources or claims.")
    project: int | None = Field(None, ge=1, le=MAX_ID)
    language: str | None = Field(None, max_length=3, description="An article's ISO 639-1 code, or `und`.")
    kind: AnnotationKind | None = None
    status: AnnotationStatus | None = None
    tag: str | None = Field(None, max_length=MAX_TAG_CHARS)
    author: str | None = Field(None, max_length=150, description="An annotation's author's user name.")
    source: int | None = Field(None, ge=1, le=MAX_ID, description="Annotations linked to it, articles it published.")
    role: LinkRole | None = Field(None, description="Annotations linked in this role (to `source`, if given).")
    since: date | None = Field(None, description="On or after this day (an article's publication or import).")
    until: date | None = Field(None, description="On or before this day.")
    claim: int | None = Field(None, ge=1, le=MAX_ID, description="Annotations that are appearances of this claim.")


class SearchHit(BaseModel):
    type: SearchType
    id: int
    article: int | None = Field(description="The article's id, for articles and annotations.")
    title: str = Field(
        description="An article's title, an annotation's article's title, a source's name, a claim's wording."
    )
    snippet: str = Field(description="Plain text around the match (an annotation's marked words); never HTML.")
    highlights: list[tuple[int, int]] = Field(
        description="Each match as [start, end) offsets into `snippet`, in Unicode code points."
    )
    url: str = Field(description="Where the app shows it (an article at its match, an annotation in its article).")


class SearchPage(PageOut):
    counts: dict[SearchType, int] = Field(
        description="How many of each type match, on all pages, counted up to 2,000 of each type (the rank limit: "
        "past it a type's matches come newest first); `count` adds them up."
    )
    items: list[SearchHit]
