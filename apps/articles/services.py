from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.articles.bulk import copy_insert
from apps.articles.models import Article, Story, StoryMatch
from apps.articles.similarity import fingerprint, resemblance
from apps.sources.validators import web_url


def store_articles(*, articles: list[Article]) -> list[Article]:
    """Insert new articles in one COPY, with the fields derived from their text.

    The one way articles are stored: PostgreSQL derives the hash and the length itself, the
    fingerprint is computed here, and once the transaction commits the background worker looks
    for the articles' story matches. Call inside a transaction.
    """
    from apps.articles.tasks import match_new_articles

    for article in articles:
        if article.url:
            web_url(article.url)  # COPY skips the field's validation; the database would refuse it too
        article.fingerprint = fingerprint(article.text)
    stored = copy_insert(articles)
    ids = [article.pk for article in stored]
    transaction.on_commit(lambda: match_new_articles.enqueue(ids))
    return stored


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


# How many of the project's most recent overlapping articles each new one is compared with.
MATCH_CANDIDATES = 200


def match_stories(*, article_ids: list[int]) -> int:
    """Find, once, the articles of the same project that probably tell the same story as each of
    these, and keep each pair in both directions; return how many articles matched others.

    Run after an import (in the background) rather than on every view of an article page.
    """
    matches: dict[tuple[int, int], StoryMatch] = {}
    articles = Article.objects.filter(pk__in=article_ids).only(
        "pk", "project_id", "language", "fingerprint", "text_length"
    )
    for article in articles:
        candidates = (
            Article.objects.filter(project_id=article.project_id, fingerprint__overlap=article.fingerprint)
            .exclude(pk=article.pk)
            .only("pk", "language", "fingerprint", "text_length")
            .order_by("-imported_at")[:MATCH_CANDIDATES]
        )
        for other in candidates:
            found = resemblance(
                article.fingerprint,
                article.language,
                article.text_length,
                other.fingerprint,
                other.language,
                other.text_length,
            )
            if found:
                signals = sorted(found.signals)
                for one, two in ((article, other), (other, article)):
                    matches[one.pk, two.pk] = StoryMatch(
                        article_id=one.pk, other_id=two.pk, kind=found.kind, score=found.score, signals=signals
                    )
    StoryMatch.objects.bulk_create(matches.values(), ignore_conflicts=True)
    return len({article_id for article_id, _ in matches})
