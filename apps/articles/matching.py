"""Which articles of a project probably tell the same story: found once, after an import."""

from apps.articles.models import Article, StoryMatch
from apps.articles.similarity import resemblance

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
