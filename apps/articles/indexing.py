"""The articles' search columns, filled by the background worker after an import commits.

`Article.search` holds the title (weight A), the author and publisher (B) and the text (D) as
the stems of the article's language (sourcetrace_search_config, sources migration 0007);
`Article.names` holds the article's names in Latin letters for look-alike spellings
("Lukaschenko" finds "Lukashenko", and "Лукашенко" both). Neither is written by the import's
COPY, which a generated column with its index made ten times slower.
"""

import re
import unicodedata
from functools import cache, lru_cache

from anyascii import anyascii
from django.db import connection

from apps.articles.models import Article, Name
from apps.articles.similarity import names_in

# The first this many characters of a text are indexed: a tsvector holds at most 1 MB of words,
# and 250,000 characters are about 40,000 words, a book's chapter.
INDEXED_CHARS = 250_000
# Names kept per article, in the order the text first writes them.
MAX_NAMES = 2000
NOT_LATIN_NAME = re.compile(r"[^0-9a-z-]+")


def without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_key(word: str) -> str:
    """A word as the names column and a search compare it: Latin letters, digits and hyphens,
    lower case ("Лукашенко" -> "lukashenko", "Zürich" -> "zurich", "Mil-Man" -> "mil-man")."""
    return NOT_LATIN_NAME.sub("", anyascii(word).casefold())


def names_of(text: str) -> str:
    """The article's names, space-separated: each capitalised word once (any word in scripts
    without capitals), in Latin letters. A name written in another script keeps its own
    spelling before a bar ("лукашенко|lukashenko"), which is how a snippet marks it in the text.
    """
    tokens = {}
    for name in names_in(text):
        token = name_token(name)
        if token:
            tokens[token] = None
            if len(tokens) >= MAX_NAMES:
                break
    return " ".join(tokens)


# Names repeat from article to article: each is spelled out once per process.
@lru_cache(maxsize=100_000)
def name_token(name: str) -> str:
    """How the names column holds `name`; "" for too short a name."""
    key = name_key(name)
    if len(key) < 3:
        return ""
    folded = name.casefold()
    return key if without_accents(folded) == key else f"{folded}|{key}"


@cache
def update_sql() -> str:
    meta, quote = Article._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return "a." + quote(meta.get_field(name).column)

    source = meta.get_field("publisher").related_model._meta
    config = f"sourcetrace_search_config({column('language')})"
    publisher = (
        f"(SELECT s.{quote(source.get_field('name').column)} FROM {quote(source.db_table)} s"
        f" WHERE s.{quote(source.pk.column)} = {column('publisher')})"
    )
    vector = (
        f"setweight(to_tsvector({config}, {column('title')}), 'A')"
        f" || setweight(to_tsvector({config}, {column('author')} || ' ' || coalesce({publisher}, '')), 'B')"
        f" || setweight(to_tsvector({config}, left({column('text')}, {INDEXED_CHARS})), 'D')"
    )
    return (
        f"UPDATE {quote(meta.db_table)} a SET {quote(meta.get_field('search').column)} = {vector},"
        f" {quote(meta.get_field('names').column)} = d.names"
        f" FROM unnest(%s::bigint[], %s::text[]) AS d(id, names) WHERE {column('id')} = d.id"
    )


def index_articles(article_ids: list[int]) -> int:
    """Fill (or refresh) the search columns of these articles; returns how many were indexed."""
    if not article_ids:
        return 0
    texts = Article.objects.filter(pk__in=article_ids).values_list("pk", "text").order_by("pk")
    ids, names, keys = [], [], set()
    for pk, text in texts.iterator(chunk_size=100):
        ids.append(pk)
        names.append(names_of(text[:INDEXED_CHARS]))
        keys.update(token.rpartition("|")[2] for token in names[-1].split())
    with connection.cursor() as cursor:
        cursor.execute(update_sql(), [ids, names])
        indexed = cursor.rowcount
        # In order, so that two jobs adding the same new names wait for each other, never deadlock.
        cursor.execute(insert_names_sql(), [sorted(keys)])
    return indexed


@cache
def insert_names_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(Name._meta.db_table)} ({quote(Name._meta.pk.column)})"
        f" SELECT key FROM unnest(%s::text[]) AS key ON CONFLICT DO NOTHING"
    )
