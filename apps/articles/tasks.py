from django.tasks import task

from apps.articles.indexing import index_articles
from apps.articles.matching import match_stories
from config.background import yields_to_requests


@task
@yields_to_requests
def match_new_articles(article_ids: list[int]) -> None:
    """Find the story matches of freshly imported articles (see matching.match_stories)."""
    match_stories(article_ids=article_ids)


@task
@yields_to_requests
def index_new_articles(article_ids: list[int]) -> None:
    """Fill the search columns of freshly imported articles (see indexing.index_articles)."""
    index_articles(article_ids)
