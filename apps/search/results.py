"""One search over the user's articles, annotations and sources, ranked, with marked snippets.

The query language is PostgreSQL's `websearch_to_tsquery`: words, "a phrase", `or`, `-word`.
Each article is matched with the stems of its own language (its search column holds them,
see apps/articles/indexing.py): the query is read once per language present in the user's
projects, and each reading is compared only with the articles of its languages, so "Abkommen"
finds "Abkommens" in German articles and "sanctioned" finds "sanctions" in English ones. A
query of plain words (no phrase, `or` or exclusion) also finds the articles that name something
spelled alike, in any script (trigrams over their names in Latin letters).

What anyone finds is what they may see: their projects' rows, and in a blind project only the
annotations blind mode shows them (`visible_to`), in the counts and the snippets as in the list.
Whatever the data, a page costs the same few queries: the languages present, the counts, the
page's ids, and one query per kind of row on the page for its snippets.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchQueryField, SearchRank
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject, TruncDate
from django.urls import reverse

from apps.annotations.models import (
    Annotation,
    AnnotationFilters,
    Link,
    has_words,
    sentence_end,
    sentence_start,
    websearch_text,
)
from apps.articles.indexing import INDEXED_CHARS, name_key
from apps.articles.models import Article, Name
from apps.articles.similarity import names_in
from apps.claims.models import Claim
from apps.projects.models import Project
from apps.projects.permissions import project_ids
from apps.search.snippets import Marked, Sentinels
from apps.sources.models import Source, words

SIMPLE = "sourcetrace_simple"
TYPES = ("source", "claim", "annotation", "article")  # the order of the combined list
# A query of more plain words than this is not compared with names.
MAX_NAME_WORDS = 4
# The rank of an article found only by a name spelled alike.
NAME_RANK = 1e-6
# More matches of a kind than this are listed newest first, unranked (see `search`).
RANK_LIMIT = 2000
ANNOTATION_FILTERS = ("kind", "status", "tag", "author", "role", "source_name", "claim")
# An annotation's words and note are shown whole up to this length, else around their first match.
SNIPPET_CHARS = 300


@dataclass(frozen=True)
class Query:
    """What the user typed, as websearch_to_tsquery reads it, and the name keys of its words
    when it is a query of plain words."""

    text: str
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, typed: str) -> "Query":
        text = websearch_text(typed)
        words = text.split()
        plain = '"' not in text and not any(w.startswith("-") or w.casefold() == "or" for w in words)
        names = ()
        if plain and len(words) <= MAX_NAME_WORDS:
            # Only words that could be names (three letters or more, not "The" or "Und").
            keys = [name_key(word) for word in words if any(names_in(word[:1].upper() + word[1:]))]
            names = tuple(key for key in keys if len(key) >= 3)
        return cls(text, names)

    @property
    def has_words(self) -> bool:
        """Whether anything is left to look for once the operators are set aside."""
        return has_words(self.text)


@dataclass(frozen=True)
class Filters:
    type: str = ""  # article, annotation or source; "" for all
    project: int | None = None
    language: str = ""
    kind: str = ""
    status: str = ""
    tag: str = ""
    author: str = ""  # the user name of an annotation's author
    source: int | None = None  # annotations linked to it, articles it published
    role: str = ""  # annotations linked in this role (to `source`, if given): "said_by", "claimant"...
    source_name: str = ""  # annotations linked to a source of this name or alias
    since: date | None = None
    until: date | None = None
    claim: int | None = None  # annotations that are appearances of this claim

    def allows(self, kind_of_row: str) -> bool:
        """Whether rows of this kind can meet these filters at all: an article has no status."""
        if self.type and self.type != kind_of_row:
            return False
        if kind_of_row != "annotation" and any(getattr(self, name) for name in ANNOTATION_FILTERS):
            return False
        if kind_of_row == "source" and (self.language or self.source or self.since or self.until):
            return False
        if kind_of_row == "claim" and (self.source or self.since or self.until):
            return False
        return True

    def for_annotations(self) -> AnnotationFilters:
        """What of these filters annotations read (the project aside, which scopes every kind of row)."""
        names = ("kind", "status", "tag", "author", "language", "source", "source_name", "role", "since", "until")
        return AnnotationFilters(**{name: getattr(self, name) for name in names})


@dataclass
class Hit:
    type: str
    id: int
    title: str
    snippet: Marked
    url: str
    article: int | None = None
    title_marked: Marked | None = None
    details: dict = field(default_factory=dict)


@dataclass
class Results:
    counts: dict[str, int]  # at most RANK_LIMIT of each kind: past it, the kind is in `unranked`
    hits: list[Hit]
    offset: int
    limit: int
    unranked: set[str] = field(default_factory=set)  # kinds with too many matches to rank: newest first

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> bool:
        """Whether more match than `count` says: some kind has more than RANK_LIMIT."""
        return bool(self.unranked)


@dataclass(frozen=True)
class Branch:
    """Some of the rows of a kind that match, and how each ranks among them. A kind's branches
    hold no row twice; those found only by a name spelled alike come after all the others."""

    rows: models.QuerySet
    rank: models.Expression
    by_name: bool = False
    # Known to hold at most RANK_LIMIT rows: its rows are sorted newest first by reading them
    # all, not by walking the whole table newest first until enough of them turn up.
    few: bool = False
    # Counted with sequential scans off (see count_all): articles, which PostgreSQL would
    # otherwise read from the table's start, each one's words, until enough matched.
    looked_up: bool = False


def search(*, user, query: Query | None, filters: Filters, offset: int = 0, limit: int = 20) -> Results:
    """A page of what `user` may see that matches `query` (None: everything the filters let
    through, newest first): sources, then annotations, then articles, each best first.

    Matches are counted up to RANK_LIMIT of each kind: counting them all read every match
    (seconds for a common word over a million annotations), and past it they are not ranked.
    """
    branches = {}
    if filters.allows("article"):
        readings = languages_present(user, filters, query)
        if readings:
            branches["article"] = matching_articles(user, query, filters, readings)
    if filters.allows("annotation"):
        branches["annotation"] = [Branch(*matching_annotations(user, query, filters))]
    if filters.allows("source"):
        branches["source"] = [Branch(*matching_sources(user, query, filters))]
    if filters.allows("claim"):
        branches["claim"] = [Branch(*matching_claims(user, query, filters))]
    counted = count_all(branches)
    counts = {}
    unranked = set()
    for kind, kind_branches in branches.items():
        words = sum(n for branch, n in zip(kind_branches, counted[kind], strict=True) if not branch.by_name)
        total = words + sum(n or 0 for branch, n in zip(kind_branches, counted[kind], strict=True) if branch.by_name)
        counts[kind] = min(RANK_LIMIT, total)
        if total > RANK_LIMIT:
            # Ranking reads every match's words; past RANK_LIMIT matches, the newest come first instead.
            unranked.add(kind)
        kept = []
        for branch, n in zip(kind_branches, counted[kind], strict=True):
            # Rows found by a name alone come after the others: the page needs them only if it reaches them.
            if n == 0 or (branch.by_name and words >= offset + limit):
                continue
            if kind in unranked:
                branch = replace(branch, rank=models.Value(-1.0 if branch.by_name else 0.0))
            kept.append(replace(branch, few=n is not None and n <= RANK_LIMIT))
        branches[kind] = kept
    page = ranked_page(branches, offset, limit) if any(branches.values()) else []
    hits = describe(page, query)
    return Results({kind: counts.get(kind, 0) for kind in TYPES}, hits, offset, limit, unranked)


# -- Which rows match ------------------------------------------------------------------------


def languages_present(user, filters: Filters, query: Query | None = None) -> dict[str, list[str]]:
    """Text search configuration -> the languages of the user's articles it reads, those present only.

    Given a query, its reading by each configuration (websearch_to_tsquery, as text) -> the
    languages read so instead: languages that read it alike are looked up together.

    A loose scan of the (project, language) index: a few lookups per project, however many
    articles there are.
    """
    ids = project_ids(user)
    if filters.project:
        if ids is not None and filters.project not in ids:
            return {}
        ids = [filters.project]
    params = {"ids": ids, "query": query.text if query else ""}
    with connection.cursor() as cursor:
        cursor.execute(languages_sql(everything=ids is None, read=query is not None), params)
        rows = cursor.fetchall()
    found = {}
    for language, key in rows:
        if not filters.language or language == filters.language:
            found.setdefault(key, []).append(language)
    return found


@cache
def languages_sql(*, everything: bool, read: bool = False) -> str:
    quote = connection.ops.quote_name
    meta, project = Article._meta, Project._meta
    table, project_id, language = (
        quote(meta.db_table),
        quote(meta.get_field("project").column),
        quote(meta.get_field("language").column),
    )
    projects = (
        f"(SELECT array_agg({quote(project.pk.column)}) FROM {quote(project.db_table)})" if everything else "%(ids)s"
    )
    config = "sourcetrace_search_config(language)"
    key = f"websearch_to_tsquery({config}, %(query)s)::text" if read else f"{config}::text"
    return (
        f"WITH RECURSIVE present(project_id, language) AS ("
        f" SELECT p.id, (SELECT min({language}) FROM {table} WHERE {project_id} = p.id)"
        f" FROM unnest({projects}::bigint[]) AS p(id)"
        f" UNION ALL"
        f" SELECT present.project_id, (SELECT min(a.{language}) FROM {table} a"
        f" WHERE a.{project_id} = present.project_id AND a.{language} > present.language)"
        f" FROM present WHERE present.language IS NOT NULL)"
        f" SELECT language, {key} FROM (SELECT DISTINCT language FROM present"
        f" WHERE language IS NOT NULL) AS languages ORDER BY language"
    )


def words_of(query: Query, config: str) -> SearchQuery:
    return SearchQuery(query.text, config=config, search_type="websearch")


def in_dates(rows, filters: Filters, day):
    if filters.since or filters.until:
        rows = rows.alias(day=day)
    if filters.since:
        rows = rows.filter(day__gte=filters.since)
    if filters.until:
        rows = rows.filter(day__lte=filters.until)
    return rows


def matching_articles(user, query: Query | None, filters: Filters, readings: dict[str, list[str]]):
    """The matching articles as branches: those that write the query's words, a branch per
    reading of the query by their languages (see languages_present), then those that only name
    something spelled alike.

    A branch per reading keeps each one a lookup in the search column's index alone (or'ed in one
    condition, PostgreSQL read every candidate's words again to check it), and lets PostgreSQL
    tell how many rows it holds (the readings of several languages are often the same words).
    """
    articles = Article.objects.visible_to(user).latest_versions()
    if filters.project:
        articles = articles.filter(project_id=filters.project)
    if filters.language:
        articles = articles.filter(language=filters.language)
    if filters.source:
        articles = articles.filter(publisher_id=filters.source)
    articles = in_dates(articles, filters, Coalesce("published_on", TruncDate("imported_at")))
    if query is None:
        return [Branch(articles, models.Value(0.0))]
    branches, written = [], models.Q(pk__in=[])
    for reading, languages in readings.items():
        if not reading:  # only stop words in these languages: nothing to find
            continue
        tsquery = RawSQL("%s::tsquery", [reading], output_field=SearchQueryField())
        reads = models.Q(models.Q(language__in=languages), matches(tsquery))
        written |= reads
        branches.append(Branch(articles.filter(reads), SearchRank(models.F("search"), tsquery), looked_up=True))
    if query.names:
        named = articles.filter(names__isnull=False).exclude(written)
        for key in query.names:
            named = named.filter(names_alike(key))
        # An article found by a name spelled alike only ranks below those that write the words.
        branches.append(Branch(named, models.Value(NAME_RANK), by_name=True, looked_up=True))
    return branches


def matches(tsquery) -> RawSQL:
    """The article's search column matches `tsquery`, given as is (already read by its languages)."""
    quote, meta = connection.ops.quote_name, Article._meta
    column = f"{quote(meta.db_table)}.{quote(meta.get_field('search').column)}"
    return RawSQL(f"{column} @@ ({tsquery.sql})", tsquery.params, output_field=models.BooleanField())


def names_alike(key: str) -> RawSQL:
    """Whether an article names something spelled like `key` (a name key): the known names
    like it (trigrams, as the source look-up compares), then the articles holding one of them."""
    quote = connection.ops.quote_name
    names = quote(Name._meta.db_table)
    column = quote(Name._meta.pk.column)
    sql = (
        f"sourcetrace_name_keys({quote(Article._meta.db_table)}.{quote(Article._meta.get_field('names').column)})"
        f" && ARRAY(SELECT {column} FROM {names} WHERE {column} %%> %s)"
    )
    return RawSQL(sql, [key], output_field=models.BooleanField())


def matching_annotations(user, query: Query | None, filters: Filters):
    annotations = Annotation.objects.visible_to(user).live().of_latest_versions().filtered(filters.for_annotations())
    if filters.project:
        annotations = annotations.filter(article__project_id=filters.project)
    if filters.claim:
        annotations = annotations.filter(appearance__claim_id=filters.claim)
    if query is None:
        return annotations, models.Value(0.0)
    tsquery = words_of(query, SIMPLE)
    return annotations.filter(search=tsquery), SearchRank(models.F("search"), tsquery)


def matching_sources(user, query: Query | None, filters: Filters):
    sources = Source.objects.visible_to(user)
    if filters.project:
        sources = sources.filter(project_id=filters.project)
    if query is None:
        return sources, models.Value(0.0)
    tsquery = words_of(query, SIMPLE)
    matched = models.Q(search=tsquery)
    if query.names:
        # The type-ahead's own look-up: typos, transpositions, spellings in other scripts.
        for spelling in dict.fromkeys([query.text, " ".join(query.names)]):
            matched |= models.Q(pk__in=Source.objects.matching(spelling).order_by().values("pk"))
    return sources.filter(matched), SearchRank(models.F("search"), tsquery)


def matching_claims(user, query: Query | None, filters: Filters):
    claims = Claim.objects.visible_to(user)
    if filters.project:
        claims = claims.filter(project_id=filters.project)
    if filters.language:
        claims = claims.filter(language=filters.language)
    if query is None:
        return claims, models.Value(0.0)
    tsquery = words_of(query, SIMPLE)
    return claims.filter(search=tsquery), SearchRank(models.F("search"), tsquery)


def count_all(branches: dict[str, list[Branch]]) -> dict[str, list[int | None]]:
    """How many rows each branch holds, up to RANK_LIMIT + 1, in one query. Those found by a
    name alone are not counted (None) once the others of their kind pass the limit."""
    cap = RANK_LIMIT + 1
    params, columns, tables = [], [], []

    def counted(branch: Branch) -> str:
        sql, sql_params = branch.rows.order_by().values("pk").query.sql_with_params()
        params.extend(sql_params)
        return f"(SELECT count(*) FROM ({sql} LIMIT {cap}) AS matched)"

    for number, kind_branches in enumerate(branches.values()):
        words = [branch for branch in kind_branches if not branch.by_name]
        named = [branch for branch in kind_branches if branch.by_name]
        tables.append(
            f"(SELECT {', '.join(f'{counted(branch)} AS n{n}' for n, branch in enumerate(words)) or '0 AS n0'}"
            f" OFFSET 0) AS words{number}"
        )
        columns += [f"words{number}.n{n}" for n in range(len(words))]
        total = " + ".join(f"words{number}.n{n}" for n in range(len(words))) or "0"
        for n, branch in enumerate(named):
            tables.append(
                f"LATERAL (SELECT CASE WHEN {total} > {RANK_LIMIT} THEN NULL ELSE {counted(branch)} END AS n)"
                f" AS named{number}_{n}"
            )
            columns.append(f"named{number}_{n}.n")
    if not columns:
        return {kind: [] for kind in branches}
    looked_up = any(branch.looked_up for kind_branches in branches.values() for branch in kind_branches)
    # No savepoint of its own: the setting is the only thing this transaction is for.
    with transaction.atomic(savepoint=False) if looked_up else nullcontext(), connection.cursor() as cursor:
        if looked_up:
            # With the limit in view, PostgreSQL read the articles from the table's start, each
            # one's words, until enough matched (160-330 ms for a common word); read all the
            # matches from the index instead (a CTE, as before), it visited every one's row (up
            # to 28,000 rows, 120 ms). Without sequential scans, it looks the words up in the
            # index and stops at the limit: a thousand rows visited at most. No parallel workers:
            # starting them cost more than the thousand rows, on a server busy with requests.
            cursor.execute(
                "SELECT set_config('enable_seqscan', 'off', true),"
                " set_config('max_parallel_workers_per_gather', '0', true)"
            )
        cursor.execute(f"SELECT {', '.join(columns)} FROM {', '.join(tables)}", params)
        row = iter(cursor.fetchone())
    # The columns are in the order of the branches: those by words first, then those by name.
    found = {}
    for kind, kind_branches in branches.items():
        words = {id(branch): next(row) for branch in kind_branches if not branch.by_name}
        named = {id(branch): next(row) for branch in kind_branches if branch.by_name}
        found[kind] = [(words | named)[id(branch)] for branch in kind_branches]
    return found


def newest_first(branch: Branch) -> tuple:
    if not isinstance(branch.rank, models.Value):
        return ("-hit_rank", "-pk")
    if branch.few:
        # An expression, not the column: PostgreSQL would otherwise walk the table's newest rows
        # until enough match, reading all 100,000 articles' words when none do.
        return ((models.F("pk") + 0).desc(),)
    return ("-pk",)


def ranked_page(branches: dict[str, list[Branch]], offset: int, limit: int) -> list[tuple[str, int]]:
    """(kind, id) of the page's rows: sources, annotations, articles, each best first.

    Each branch's rows are ranked and cut to the page's end on their own, so that what is
    sorted together is at most a page's end of each, not every match.
    """
    ranked = [
        branch.rows.order_by()
        .annotate(hit_type=models.Value(TYPES.index(kind)), hit_rank=branch.rank)
        .order_by(*newest_first(branch))
        .values_list("hit_type", "hit_rank", "pk")[: offset + limit]
        for kind, kind_branches in sorted(branches.items(), key=lambda item: TYPES.index(item[0]))
        for branch in kind_branches
    ]
    if len(ranked) > 1:
        rows = ranked[0].union(*ranked[1:], all=True).order_by("hit_type", "-hit_rank", "-pk")[offset : offset + limit]
    else:
        rows = ranked[0][offset:]
    return [(TYPES[kind], pk) for kind, _, pk in rows]


# -- What the page shows of them ---------------------------------------------------------------


def describe(page: list[tuple[str, int]], query: Query | None) -> list[Hit]:
    """The page's rows with their titles, marked snippets and links, in the page's order."""
    sentinels = Sentinels()
    ids = {kind: [pk for k, pk in page if k == kind] for kind in TYPES}
    hits = {}
    if ids["article"]:
        hits |= {("article", hit.id): hit for hit in describe_articles(ids["article"], query, sentinels)}
    if ids["annotation"]:
        hits |= {("annotation", hit.id): hit for hit in describe_annotations(ids["annotation"], query, sentinels)}
    if ids["source"]:
        hits |= {("source", hit.id): hit for hit in describe_sources(ids["source"], query, sentinels)}
    if ids["claim"]:
        hits |= {("claim", hit.id): hit for hit in describe_claims(ids["claim"], query, sentinels)}
    return [hits[key] for key in page if key in hits]


@cache
def article_snippets_sql() -> str:
    """The articles' titles and snippets marked, and the line of the first match in the text.

    The query is each article's language's reading of the search, or'ed with the article's
    names spelled like the query's words (a name in another script as the text writes it).
    The line of the first match is found by the first marked word, the workbench's paragraph
    ids being the lines' starts.
    """
    quote = connection.ops.quote_name
    meta, project = Article._meta, Project._meta

    def column(name: str) -> str:
        return "a." + quote(meta.get_field(name).column)

    config = f"sourcetrace_search_config({column('language')})"
    names = (
        f"(SELECT string_agg(quote_literal(split_part(n, '|', 1)), ' | ')"
        f" FROM regexp_split_to_table({column('names')}, ' ') AS n WHERE n %%> ANY(%(names)s::text[]))"
    )
    words = f"(websearch_to_tsquery({config}, %(query)s) || coalesce(to_tsquery({config}, {names}), ''::tsquery))"
    marked = (
        f"SELECT {column('id')} AS id, {column('title')} AS title, {column('language')} AS language,"
        f" {column('author')} AS author, {column('published_on')} AS published_on, p.{quote('name')} AS project,"
        f" left({column('text')}, {INDEXED_CHARS}) AS text,"
        f" ts_headline({config}, {column('title')}, {words}, %(whole)s) AS title_marked,"
        f" ts_headline({config}, left({column('text')}, {INDEXED_CHARS}), {words}, %(fragments)s) AS snippet"
        f" FROM {quote(meta.db_table)} a JOIN {quote(project.db_table)} p"
        f" ON p.{quote(project.pk.column)} = {column('project')}"
        f" WHERE {column('id')} = ANY(%(ids)s)"
    )
    # Each step a subquery of its own (OFFSET 0 keeps them apart), so that each headline is
    # computed once, and only for the page's articles.
    found = (
        f"SELECT *, strpos(text, substring(snippet FROM %(first_match)s)) AS at FROM ({marked} OFFSET 0) AS m OFFSET 0"
    )
    line = "CASE WHEN at > 0 THEN at - coalesce(nullif(strpos(reverse(left(text, at - 1)), E'\\n'), 0), at) END"
    return (
        f"SELECT id, title, language, author, published_on, project, title_marked, snippet, {line} AS line"
        f" FROM ({found}) AS found"
    )


def describe_articles(ids: list[int], query: Query | None, sentinels: Sentinels) -> list[Hit]:
    first_match = f"{sentinels.start.replace('[', '\\[').replace(']', '\\]')}(.*?)"
    first_match += sentinels.stop.replace("[", "\\[").replace("]", "\\]")
    params = {
        "ids": ids,
        "query": query.text if query else "",
        "names": list(query.names) if query else [],
        "whole": sentinels.options(fragments=0),
        "fragments": sentinels.options(fragments=2),
        "first_match": first_match,
    }
    with connection.cursor() as cursor:
        cursor.execute(article_snippets_sql(), params)
        rows = cursor.fetchall()
    hits = []
    for pk, title, language, author, published_on, project, title_marked, snippet, line in rows:
        url = reverse("annotations:workbench", args=[pk])
        if line is not None:
            url += f"#block-{line}"
        hits.append(
            Hit(
                "article",
                pk,
                title,
                sentinels.parse(snippet),
                url,
                article=pk,
                title_marked=sentinels.parse(title_marked),
                details={"language": language, "author": author, "published_on": published_on, "project": project},
            )
        )
    return hits


def describe_annotations(ids: list[int], query: Query | None, sentinels: Sentinels) -> list[Hit]:
    rows = (
        Annotation.objects.filter(pk__in=ids)
        .annotate(
            exact_marked=marked("exact", query, sentinels),
            note_marked=marked("note", query, sentinels),
        )
        .values_list(
            "pk",
            "kind",
            "status",
            "tags",
            "created_by__username",
            "prefix",
            "suffix",
            "article_id",
            "article__title",
            "article__project__name",
            "created_at",
            "exact_marked",
            "note_marked",
            ArraySubquery(
                Link.objects.filter(annotation=models.OuterRef("pk"))
                .order_by("role", "pk")
                .values(json=JSONObject(role="role", source="source__name", source_id="source_id"))
            ),
        )
    )
    hits = []
    for row in rows:
        pk, kind, status, tags, author, prefix, suffix, article_id, title, project, created_at, exact, note, links = row
        snippet = sentinels.parse(exact).around_first_match(SNIPPET_CHARS)
        url = reverse("annotations:workbench", args=[article_id]) + f"?annotation={pk}"
        hits.append(
            Hit(
                "annotation",
                pk,
                title,
                snippet,
                url,
                article=article_id,
                details={
                    "kind": kind,
                    "kind_label": Annotation.Kind(kind).label,
                    "status": status,
                    "tags": tags,
                    "author": author,
                    "project": project,
                    "created_at": created_at,
                    "note": sentinels.parse(note).around_first_match(SNIPPET_CHARS),
                    # The passage in its sentence: the words the quote selector keeps around it.
                    "before": sentence_start(prefix),
                    "after": sentence_end(suffix),
                    # Who said or claims it, and the other sources it is linked to.
                    "links": [
                        {
                            "role": Link.Role(link["role"]).label,
                            "source": link["source"],
                            "url": reverse("directory:detail", args=[link["source_id"]]),
                        }
                        for link in links
                        if link["role"] in Link.Role.values
                    ],
                },
            )
        )
    return hits


def describe_sources(ids: list[int], query: Query | None, sentinels: Sentinels) -> list[Hit]:
    rows = (
        Source.objects.filter(pk__in=ids)
        .annotate(
            name_marked=marked("name", query, sentinels),
            aliases_marked=marked(words("aliases"), query, sentinels),
        )
        .values_list("pk", "name", "kind", "project__name", "name_marked", "aliases_marked")
    )
    hits = []
    for pk, name, kind, project, name_marked, aliases_marked in rows:
        aliases = sentinels.parse(aliases_marked)
        hits.append(
            Hit(
                "source",
                pk,
                name,
                aliases if aliases else sentinels.parse(name_marked),
                reverse("search:annotations") + f"?source={pk}",
                title_marked=sentinels.parse(name_marked),
                details={
                    "kind": Source.Kind(kind).label,
                    "project": project,
                    "aliases": aliases,
                    # Its page in the directory; the hit's own address lists its annotations.
                    "page": reverse("directory:detail", args=[pk]),
                },
            )
        )
    return hits


def describe_claims(ids: list[int], query: Query | None, sentinels: Sentinels) -> list[Hit]:
    rows = (
        Claim.objects.filter(pk__in=ids)
        .annotate(wording_marked=marked("wording", query, sentinels))
        .values_list("pk", "wording", "verdict", "language", "project__name", "wording_marked")
    )
    return [
        Hit(
            "claim",
            pk,
            wording,
            sentinels.parse(wording_marked).around_first_match(SNIPPET_CHARS),
            reverse("claims:detail", args=[pk]),
            title_marked=sentinels.parse(wording_marked),
            details={"verdict": Claim.Verdict(verdict).label, "language": language, "project": project},
        )
        for pk, wording, verdict, language, project, wording_marked in rows
    ]


def marked(expression, query: Query | None, sentinels: Sentinels):
    """A short text (words marked, a note, a name) whole, its matches marked; words as written."""
    return SearchHeadline(
        expression,
        words_of(query or Query(""), SIMPLE),
        config=SIMPLE,
        start_sel=sentinels.start,
        stop_sel=sentinels.stop,
        highlight_all=True,
    )
