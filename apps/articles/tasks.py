from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.tasks import task

from apps.articles.indexing import index_articles
from apps.articles.matching import match_stories

# Connections an indexing job works through at once: its time is PostgreSQL's, parsing each
# text into words, one core per connection, and the worker runs one job at a time.
INDEXING_CONNECTIONS = 2


@task
def match_new_articles(article_ids: list[int]) -> None:
    """Find the story matches of freshly imported articles (see matching.match_stories)."""
    match_stories(article_ids=article_ids)


# After imports (someone waits on the job's page), before story matching: a large import's
# matching jobs take seconds each, and its articles must be searchable within half a minute.
@task(priority=5)
def index_new_articles(article_ids: list[int]) -> None:
    """Fill the search columns of freshly imported articles (see indexing.index_articles)."""
    if connection.in_atomic_block or len(article_ids) < INDEXING_CONNECTIONS:
        # Other connections would not see what this transaction has not committed.
        index_articles(article_ids)
        return
    shares = [article_ids[n::INDEXING_CONNECTIONS] for n in range(INDEXING_CONNECTIONS)]
    with ThreadPoolExecutor(INDEXING_CONNECTIONS) as pool:
        list(pool.map(index_in_own_connection, shares))


def index_in_own_connection(article_ids: list[int]) -> int:
    try:
        return index_articles(article_ids)
    finally:
        connection.close()  # this thread's own
