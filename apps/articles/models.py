import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import pghistory
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce, JSONObject, TruncDate
from django.urls import reverse
from django.utils import timezone

from apps.projects.history import tracked
from apps.projects.models import ProjectScopedQuerySet, check_same_project
from apps.sources.validators import web_url, web_url_only

if TYPE_CHECKING:
    from apps.articles.similarity import Resemblance

RTL_LANGUAGES = {"ar", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"}
# English names of the ISO 639-1 codes the language detector knows and Django's LANG_INFO lacks.
MORE_LANGUAGE_NAMES = dict(
    pair.split(":")
    for pair in (
        "am:Amharic an:Aragonese as:Assamese av:Avaric ba:Bashkir bh:Bihari bo:Tibetan ce:Chechen co:Corsican "
        "cv:Chuvash dv:Divehi gn:Guarani gu:Gujarati gv:Manx ie:Interlingue jv:Javanese ku:Kurdish kv:Komi "
        "kw:Cornish la:Latin li:Limburgish lo:Lao mg:Malagasy mt:Maltese oc:Occitan or:Odia ps:Pashto qu:Quechua "
        "rm:Romansh sa:Sanskrit sc:Sardinian sd:Sindhi sh:Serbo-Croatian si:Sinhala so:Somali su:Sundanese "
        "tl:Tagalog vo:Volapük wa:Walloon yi:Yiddish yo:Yoruba zh:Chinese"
    ).split()
)


def searchable(expression):
    """Text as the admin's searches compare it: lower case, accents removed. The SQL function
    (migration articles 0010) is IMMUTABLE, so trigram indexes can hold it."""
    if isinstance(expression, str):
        expression = models.F(expression)
    return models.Func(expression, function="sourcetrace_searchable", output_field=models.TextField())


def language_name(code: str) -> str:
    """The English name of a language code ("ur" -> "Urdu"); a code no table knows stays as it is."""
    if code == "und":
        return "Unknown"
    return LANG_INFO.get(code, {}).get("name") or MORE_LANGUAGE_NAMES.get(code) or code


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One line of an article's text, with where it starts in code points."""

    start: int
    text: str
    is_heading: bool

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class Facet(NamedTuple):
    project_id: int
    project: str
    language: str
    matching: int  # articles of this project and language whose title matches the search
    assigned: int = 0  # of those, the ones assigned to the user who asked


@dataclass
class ArticleFacets:
    """The projects and languages of some articles, with how many match a title search: the
    choices of the article list's filters and, summed, the count its pages need."""

    rows: list[Facet]

    @cached_property
    def projects(self) -> dict[str, str]:
        """Project id (as a query string holds it) -> name, by name."""
        return dict(sorted({(str(row.project_id), row.project) for row in self.rows}, key=lambda item: item[1]))

    @cached_property
    def languages(self) -> dict[str, str]:
        """Language code -> English name, by name."""
        return dict(
            sorted({(row.language, language_name(row.language)) for row in self.rows}, key=lambda item: item[1])
        )

    def count(self, *, project: str = "", language: str = "", assigned: bool = False) -> int:
        """How many articles match the search in `project` and `language` ("" for any), only
        those assigned to the user if `assigned`."""
        return sum(
            row.assigned if assigned else row.matching
            for row in self.rows
            if project in ("", str(row.project_id)) and language in ("", row.language)
        )


class ArticleQuerySet(ProjectScopedQuerySet):
    def for_list(self, user):
        """With `annotation_count`: the live annotations the user sees (blind mode may hide some)."""
        # Counted per listed row by a subquery, so a page costs the same however many articles
        # and annotations the project holds (a join and GROUP BY would count them all first).
        annotations = self.model._meta.get_field("annotations").related_model.objects
        count = (
            annotations.filter(article=models.OuterRef("pk"), deleted_at__isnull=True)
            .open_to(user)
            .order_by()
            .values("article")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return (
            self.select_related("project", "publisher")
            .defer("text", "original", "search", "names")
            .annotate(annotation_count=Coalesce(models.Subquery(count), 0))
            .order_by("-imported_at", "-id")
        )

    def latest_versions(self):
        """Only articles no later version replaces: what lists, counts and exports are about
        (an earlier version is reached from its later one's version switcher)."""
        return self.filter(~models.Exists(Article.objects.filter(replaces=models.OuterRef("pk"))))

    def titled(self, query: str):
        return self.filter(title__unaccent__icontains=query) if query else self

    def in_project(self, project_id):
        return self.filter(project_id=project_id) if project_id else self

    def in_language(self, language: str):
        return self.filter(language=language) if language else self

    def assigned_to(self, user):
        return self.filter(assigned_to(user))

    def with_work(self, user):
        """Each article with whether it is assigned to `user` (`assigned_to_me`), whether they
        marked it done (`done_by_me`), and its `assignees`: [{"name", "done"}] by name.

        Per listed row: the user's own assignments and marks are read once for all rows.
        """
        done = DoneMark.objects.filter(article=models.OuterRef("article"), user=models.OuterRef("user"))
        assignees = (
            Assignment.objects.filter(article=models.OuterRef("pk"))
            .order_by("user__username")
            .values(assignee=JSONObject(name="user__username", done=models.Exists(done)))
        )
        return self.annotate(
            assigned_to_me=models.ExpressionWrapper(assigned_to(user), output_field=models.BooleanField()),
            done_by_me=models.ExpressionWrapper(done_by(user), output_field=models.BooleanField()),
            assignees=ArraySubquery(assignees),
        )

    def assigned_first(self, user, assigned: int) -> "AssignedFirst":
        """These articles with the `assigned` ones of `user` first (see AssignedFirst)."""
        return AssignedFirst(self, user, assigned)

    def facets(self, query: str = "", user=None) -> ArticleFacets:
        """Count these articles by project and language, those titled `query` only, in one query;
        with a `user`, also those of them assigned to the user.

        Every project and language stays in the answer even when none of its titles match, so
        that a filter's choices do not change under the user as they search.
        """
        titled = models.Q(title__unaccent__icontains=query) if query else models.Q()
        counts = {"matching": models.Count("pk", filter=titled) if query else models.Count("pk")}
        if user is not None:
            counts["assigned"] = models.Count("pk", filter=titled & assigned_to(user))
        rows = self.order_by().values_list("project_id", "project__name", "language").annotate(**counts)
        return ArticleFacets([Facet(*row) for row in rows])


class AssignedFirst:
    """Articles with those assigned to a user first, the ones to do before the done ones, then
    the others, newest first within each: a list a Paginator pages through.

    Each page is one query that reads only its own rows: the assigned articles, which are few,
    then the others along the index of the newest (sorting a project by what is assigned read
    all of its articles: 120-200 ms for 100,000 instead of 5 ms).
    """

    def __init__(self, articles: ArticleQuerySet, user, assigned: int):
        self.articles, self.user, self.assigned = articles, user, assigned

    def count(self) -> int:
        return self.articles.count()

    def __getitem__(self, rows: slice) -> list["Article"]:
        start, stop = rows.start or 0, rows.stop
        mine, assigned = assigned_to(self.user), self.assigned
        parts = []
        if start < assigned:
            work = models.Case(models.When(done_by(self.user), then=1), default=0)
            parts.append(self.articles.filter(mine).annotate(work=work).order_by("work", "-imported_at", "-id"))
            parts[-1] = parts[-1][start : min(stop, assigned)]
        if stop > assigned:
            others = self.articles.exclude(mine).annotate(work=models.Value(2)).order_by("-imported_at", "-id")
            parts.append(others[max(0, start - assigned) : stop - assigned])
        if len(parts) == 1:
            return list(parts[0])
        return list(parts[0].union(parts[1], all=True).order_by("work", "-imported_at", "-id"))


def assigned_to(user) -> models.Q:
    """Articles assigned to `user`: their ids are read once, then looked up row by row in a hash,
    which is what PostgreSQL makes of an IN over an uncorrelated subquery."""
    return models.Q(pk__in=Assignment.objects.filter(user=user).order_by().values("article_id"))


def done_by(user) -> models.Q:
    return models.Q(pk__in=DoneMark.objects.filter(user=user).order_by().values("article_id"))


# What makes an article heavy: its text, the input as it was received (a whole web page or file)
# and what is derived from them. Pages that name an article by its title leave them unread.
WEIGHTY_FIELDS = ("text", "original", "headings", "fingerprint")
# Of those, what showing the article's text needs.
TEXT_FIELDS = ("text", "headings")


class StoryQuerySet(ProjectScopedQuerySet):
    def for_list(self):
        """With what tells stories apart in a list: the `languages` and `outlets` (publishers' names)
        of their articles, their `first_published` date and `article_count`; the most recently
        published first."""
        articles = Article.objects.filter(story=models.OuterRef("pk")).order_by()

        def distinct_values(field, **condition):
            values = articles.filter(**condition).values(field).distinct().order_by(field)
            return ArraySubquery(values)

        return (
            self.select_related("project")
            .annotate(
                languages=distinct_values("language"),
                outlets=distinct_values("publisher__name", publisher__isnull=False),
                first_published=models.Subquery(
                    articles.filter(published_on__isnull=False).order_by("published_on").values("published_on")[:1]
                ),
                article_count=models.Subquery(
                    articles.values("story").annotate(count=models.Count("pk")).values("count")
                ),
            )
            .order_by(models.F("first_published").desc(nulls_last=True), "-pk")
        )


@tracked("StoryHistory")
class Story(models.Model):
    """The same report across languages and re-publications: articles an analyst joined.

    Its `title` is its name, which its members may change (the history keeps who named it what).
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="stories")
    title = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"

    def __str__(self):
        return self.title


@tracked(
    "ArticleHistory",
    # The text never changes and can be megabytes: each history row names it by the row's id
    # instead of copying it (with the input as received and what is derived from the text).
    # The search columns are derived from the rest, by the background worker.
    exclude=["text", "original", "headings", "fingerprint", "content_hash", "text_length", "search", "names"],
    # One trigger run per COPY of a batch, not per article: the import's cost stays the same.
    level=pghistory.Statement,
)
class Article(models.Model):
    """An imported text. `text` is immutable (a database trigger refuses changes).

    Annotations point at an Article by code-point offsets into `text`, so the text never
    changes; `replaces` is there for a later version of a text to name the one it follows.
    """

    # No index of its own: three indexes lead with the project, and every index is one more
    # write per article imported.
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="articles", db_index=False)
    # The four links below are indexed where they are set (see Meta.indexes). The story and the
    # publisher are checked by foreign keys that include the project (migration 0016), which
    # stand for the plain ones: a second check of each imported article's publisher cost as much.
    story = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        db_index=False,
        db_constraint=False,
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        db_index=False,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The earlier version of this text.",
    )
    title = models.CharField(max_length=500)
    text = models.TextField(help_text="Normalised plain text; every annotation offset points into it.")
    headings = ArrayField(
        models.PositiveIntegerField(),
        blank=True,
        default=list,
        help_text="Code-point starts of the lines that are headings.",
    )
    language = models.CharField(max_length=3, default="und", help_text="ISO 639-1, or “und” when unknown.")
    url = models.URLField(max_length=2000, blank=True, validators=[web_url])
    publisher = models.ForeignKey(
        "sources.Source",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="published_articles",
        db_index=False,
        db_constraint=False,
    )
    author = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    original = models.BinaryField(editable=False, help_text="The input exactly as received.")
    original_name = models.CharField(max_length=500, blank=True, help_text="File name or URL it came from.")
    original_format = models.CharField(max_length=20, blank=True)
    # Derived from the text by PostgreSQL itself, so that no way in can store a wrong value.
    content_hash = models.GeneratedField(
        expression=models.Func(models.F("text"), function="sourcetrace_sha256_hex"),
        output_field=models.CharField(max_length=64),
        db_persist=True,
    )
    text_length = models.GeneratedField(
        expression=models.Func(models.F("text"), function="char_length"),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
        help_text="In code points.",
    )
    # Names and numbers of the text (see similarity.fingerprint), to find the same story elsewhere;
    # filled by services.store_articles, the one way articles are stored.
    fingerprint = ArrayField(models.CharField(max_length=100), blank=True, default=list, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    # Set by a reviewer once the analysts' versions are reconciled: from then on, in a blind
    # project, every analyst sees everyone's annotations of the article (see projects.permissions).
    curated_at = models.DateTimeField(null=True, blank=True)
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # Full-text search (apps.search): title, metadata and text, with the stems of the article's
    # language; and its names in Latin letters for look-alike spellings. Filled by the background
    # worker once an import commits (indexing.index_articles), never in the import's COPY: a
    # generated column made a COPY of 10,000 articles ten times slower. Empty until then.
    search = SearchVectorField(null=True, blank=True, editable=False)
    names = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001 - NULL until indexed

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "content_hash"], name="article_text_once_per_project"),
            models.CheckConstraint(condition=~models.Q(text=""), name="article_text_not_empty"),
            models.CheckConstraint(
                condition=models.Q(language__regex=r"^([a-z]{2}|und)$"), name="article_language_iso639_1"
            ),
            web_url_only("article_url_web_only"),
            # Versions form one line: two versions added at once to the same article cannot both
            # replace it (the second is refused and told so).
            models.UniqueConstraint(
                fields=["replaces"], condition=models.Q(replaces__isnull=False), name="article_replaced_once"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-imported_at"], name="article_project_recent"),
            # The languages of a reviewer's projects (the admin's language filter) without reading the texts.
            models.Index(fields=["project", "language"], name="article_project_language"),
            # New entries wait in a pending list of up to 64 MB that vacuum merges later, so
            # that a large import does not stop every few hundred articles to merge them.
            GinIndex(fields=["fingerprint"], name="article_fingerprint", gin_pending_list_limit=64 * 1024),
            GinIndex(OpClass(searchable("title"), name="gin_trgm_ops"), name="article_title_trgm"),
            # Only the indexed rows: an import's COPY writes no entry into either.
            GinIndex(fields=["search"], name="article_search", condition=models.Q(search__isnull=False)),
            # The keys of its names (see Name), each as a whole: no row is read again to check it.
            GinIndex(
                models.Func(
                    models.F("names"), function="sourcetrace_name_keys", output_field=ArrayField(models.TextField())
                ),
                name="article_name_keys",
                condition=models.Q(names__isnull=False),
            ),
            # An annotation's project, looked up through its article in every scoped list and
            # count, read from the index alone: the article's row is wide (its text, its words),
            # and reading thousands of them took most of a search's counts (40-80 ms).
            models.Index(fields=["id"], include=["project"], name="article_project_by_id"),
            # The search's date filter (the day of publication, else of import): with it, PostgreSQL
            # reads only the matches of those days, not every match of the words (160 ms for a name).
            models.Index(Coalesce("published_on", TruncDate("imported_at")), name="article_day"),
            # Most articles have no story, no earlier version, often no publisher and, from the
            # command line, no importing user: indexing only the rows that have one spares each
            # imported article four index entries (the command line's import of 10,000 took
            # 3.75 s instead of 3.91, medians of four). Lookups of a value can still use them.
            # The earlier version's is the unique constraint article_replaced_once.
            *(
                models.Index(fields=[link], condition=models.Q(**{f"{link}__isnull": False}), name=f"article_{link}")
                for link in ("story", "publisher", "imported_by")
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("annotations:workbench", args=[self.pk])

    def clean(self):
        super().clean()
        check_same_project(self, "story", "publisher", "replaces")

    @property
    def direction(self) -> str:
        if self.language in RTL_LANGUAGES:
            return "rtl"
        if self.language == "und":
            for char in self.text[:2000]:
                bidi = unicodedata.bidirectional(char)
                if bidi in {"R", "AL"}:
                    return "rtl"
                if bidi == "L":
                    return "ltr"
        return "ltr"

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def title_opens_text(self) -> bool:
        """Whether the text's first line is the title (spacing aside), so the page need not show it twice."""
        return self.text.partition("\n")[0].split() == self.title.split()

    def blocks(self) -> list[TextBlock]:
        """Split the text into its lines, blank ones included, so that consecutive blocks are
        always exactly one line feed apart: the browser rebuilds any stretch of text from them."""
        headings = set(self.headings)
        blocks, start = [], 0
        for line in self.text.split("\n"):
            blocks.append(TextBlock(start=start, text=line, is_heading=start in headings))
            start += len(line) + 1
        return blocks

    def version_chain(self) -> list["Article"]:
        """Every version of this text, the first first: this one, those it replaces and those
        that replace it (titles and dates only), in one query."""
        table = self._meta.db_table
        chain = f"""
            WITH RECURSIVE earlier(id, replaces_id) AS (
                SELECT id, replaces_id FROM {table} WHERE id = %s
                UNION SELECT a.id, a.replaces_id FROM {table} a JOIN earlier e ON a.id = e.replaces_id
            ), later(id) AS (
                SELECT id FROM {table} WHERE id = %s
                UNION SELECT a.id FROM {table} a JOIN later l ON a.replaces_id = l.id
            )
            SELECT id FROM earlier UNION SELECT id FROM later
        """
        versions = Article.objects.filter(pk__in=models.expressions.RawSQL(chain, (self.pk, self.pk))).only(
            "pk", "project_id", "title", "replaces_id", "imported_at", "text_length"
        )
        by_earlier = {version.replaces_id: version for version in versions}
        ordered, current = [], by_earlier.get(None)
        while current is not None and len(ordered) <= len(by_earlier):
            ordered.append(current)
            current = by_earlier.get(current.pk)
        return ordered

    def related_suggestions(self, limit: int = 5) -> list[tuple["Article", "Resemblance"]]:
        """Articles of the project that probably tell the same story and are not yet in its story.

        Found once, after the import (matching.match_stories); reading them is one query.
        """
        from apps.articles.similarity import Resemblance, spellings

        matches = self.story_matches.select_related("other").only(
            "kind", "score", "signals", "other__id", "other__title", "other__language", "other__story_id"
        )
        if self.story_id:
            matches = matches.exclude(other__story_id=self.story_id)
        found = [
            (match.other, Resemblance.from_signals(match.kind, match.score, match.signals)) for match in matches[:limit]
        ]
        # Fingerprints hold names folded; this text still has them as written. One pass over the
        # text spells the names of every suggestion (a pass each cost milliseconds per page).
        spelled = spellings(self.text, set().union(*(resemblance.folded_names for _, resemblance in found)))
        return [(other, resemblance.spelled_from(spelled)) for other, resemblance in found]


class Name(models.Model):
    """Every name key (indexing.name_key) some article's names column has held, once.

    A search for a name spelled alike compares it with these few short keys first, then looks
    for the keys it found in the articles' names: comparing it with each article's names
    directly read every article sharing a few letters with it (1.3 s for "Schneider" over
    100,000 articles). Filled by indexing.index_articles; a key no article holds any more finds
    nothing, so none is removed.
    """

    key = models.TextField(primary_key=True)

    class Meta:
        indexes = [GinIndex(OpClass(models.F("key"), name="gin_trgm_ops"), name="article_name_key_trgm")]

    def __str__(self):
        return self.key


class StoryMatch(models.Model):
    """Another article of the same project that probably tells the same story (a translation,
    a re-published copy), and the names and numbers both share. Kept in both directions."""

    class Kind(models.TextChoices):
        NEAR_DUPLICATE = "near-duplicate"
        TRANSLATION = "translation"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="story_matches")
    other = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind)
    score = models.FloatField()
    signals = ArrayField(models.CharField(max_length=100), default=list)

    class Meta:
        ordering = ["-score", "other"]
        constraints = [
            models.UniqueConstraint(fields=["article", "other"], name="story_match_once_per_pair"),
            models.CheckConstraint(condition=~models.Q(article=models.F("other")), name="story_match_not_itself"),
        ]

    def __str__(self):
        return f"{self.article} ~ {self.other} ({self.kind})"

    @property
    def project_id(self) -> int:
        return self.article.project_id

    def clean(self):
        super().clean()
        check_same_project(self, "other")


class AssignmentQuerySet(ProjectScopedQuerySet):
    def of_user(self, user):
        return self.filter(user=user)


@tracked("AssignmentHistory")
class Assignment(models.Model):
    """An article a reviewer or manager gave a member of its project to work on.

    Written only by services.assign_articles and services.unassign_articles.
    """

    # The article's project, kept here so that the database itself can tell that the assignee is
    # a member of it: (project, user) references the membership, and removing the member removes
    # their assignments (migration 0016, which also refuses a project other than the article's).
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    # No index of its own: the unique (article, user) leads with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="assignment_once_per_user")]
        # A project's progress per member, and the removal of a member.
        indexes = [models.Index(fields=["project", "user"], name="assignment_project_user")]

    def __str__(self):
        return f"{self.article} → {self.user}"


@tracked("DoneMarkHistory")
class DoneMark(models.Model):
    """A member's own word that they finished their work on an article; taking it back deletes it.

    Written only by services.mark_done and services.unmark_done.
    """

    # As for assignments: only a member of the article's project has a mark on it (migration 0016).
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="done_marks", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="done_marks")
    done_at = models.DateTimeField(default=timezone.now)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="done_mark_once_per_user")]
        indexes = [models.Index(fields=["project", "user"], name="done_mark_project_user")]

    def __str__(self):
        return f"{self.article} done by {self.user}"
