from django.tasks import task

from apps.articles.indexing import index_articles
from apps.articles.matching import match_stories


@task
def match_new_articles(article_ids: list[int]) -> None:
    """Find the story matches of freshly imported articles (see matching.match_stories)."""
    match_stories(article_ids=article_ids)


# After imports (someone waits on the job's page), before story matching: a large import's
# matching jobs take seconds each, and its articles must be searchable within half a minute.
@task(priority=5)
def index_new_articles(article_ids: list[int]) -> None:
    """Fill the search columns of freshly imported articles (see indexing.index_articles)."""
    index_articles(article_ids)
