from itertools import batched

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from apps.articles.bulk import copy_insert
from apps.articles.models import Article, Story
from apps.articles.similarity import fingerprint
from apps.articles.tasks import match_new_articles
from apps.sources.validators import web_url

# Articles per story-matching job: an import stores 250 at a time, so one job each. The
# background worker runs one job at a time, and an import queued behind a running match waits
# for it: 250 articles take it about 0.15 s. Each job reads the project's newest articles
# once, and is claimed and recorded as a task: jobs of 50 cost a fifth more CPU per article.
MATCH_JOB_ARTICLES = 250


def store_articles(*, articles: list[Article]) -> list[Article]:
    """Insert new articles in one COPY, with the fields derived from their text.

    The one way articles are stored: PostgreSQL derives the hash and the length itself, the
    fingerprint is computed here, and once the transaction commits the background worker looks
    for the articles' story matches. Call inside a transaction.
    """
    for article in articles:
        if article.url:
            web_url(article.url)  # COPY skips the field's validation; the database would refuse it too
        article.fingerprint = fingerprint(article.text)
    stored = copy_insert(articles)
    ids = [article.pk for article in stored]
    transaction.on_commit(lambda: enqueue_matching(ids))
    return stored


# From this many articles on, an import refreshes the planner's statistics when it ends.
ANALYZE_AFTER_ARTICLES = 1000


def refresh_statistics(imported: int) -> None:
    """After a large import, tell PostgreSQL's planner how many articles there now are.

    With the counts from before, it takes a project of 10,000 fresh articles for a handful and
    reads all of them to find its newest: story matching took 68 ms per article instead of
    2 ms on PostgreSQL 15. Autovacuum would tell it too, but only minutes later, while the
    matching jobs are already running. PostgreSQL's own advice for bulk loads.
    """
    if imported < ANALYZE_AFTER_ARTICLES:
        return
    meta, quote = Article._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("project", "imported_at", "language"))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {quote(meta.db_table)} ({columns})")


def enqueue_matching(article_ids: list[int]) -> None:
    for job in batched(article_ids, MATCH_JOB_ARTICLES, strict=False):
        match_new_articles.enqueue(list(job))


def join_story(*, article: Article, other: Article, user) -> Story:
    """Put two articles of one project into the same story, merging their stories if both have one."""
    if article.project_id != other.project_id:
        raise ValueError("Only articles of the same project can form a story.")
    if not user.has_perm("articles.change_story", article):
        raise PermissionDenied("Only members of the project can group its articles.")
    with transaction.atomic():
        story = article.story or other.story or Story.objects.create(project=article.project, title=article.title)
        for member in (article, other):
            if member.story_id and member.story_id != story.pk:
                Article.objects.filter(story_id=member.story_id).update(story=story)
        Article.objects.filter(pk__in=[article.pk, other.pk]).update(story=story)
    article.refresh_from_db(fields=["story"])
    return story


def update_article(*, article: Article, user, fields: list[str]) -> Article:
    """Save changed metadata (title, url, author, publisher, date, story); the text stays as it is."""
    if not user.has_perm("articles.change_article", article):
        raise PermissionDenied("Only members of the project can change its articles.")
    allowed = {"title", "url", "author", "publisher", "published_on", "story"}
    if set(fields) - allowed:
        raise ValueError(f"Not changeable: {', '.join(sorted(set(fields) - allowed))}")
    article.save(update_fields=fields)
    return article


def mark_curated(*, article: Article, user, curated: bool = True) -> Article:
    """Mark the article curated (or no longer): in a blind project, analysts then see each
    other's annotations of it. Reviewers and managers only; the article's history keeps who and when.

    One conditional UPDATE: marking what is already marked changes nothing, so two reviewers
    at once leave the first one's name.
    """
    if not user.has_perm("articles.curate_article", article):
        raise PermissionDenied("Only reviewers and managers mark an article curated.")
    articles = Article.objects.filter(pk=article.pk)
    if curated:
        articles.filter(curated_at__isnull=True).update(curated_at=timezone.now(), curated_by=user)
    else:
        articles.filter(curated_at__isnull=False).update(curated_at=None, curated_by=None)
    article.curated_at, article.curated_by_id = articles.values_list("curated_at", "curated_by").get()
    return article
