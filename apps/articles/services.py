from collections.abc import Iterable
from itertools import batched

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from apps.articles.bulk import copy_insert
from apps.articles.indexing import index_articles
from apps.articles.models import Article, Assignment, DoneMark, Story
from apps.articles.similarity import fingerprint
from apps.articles.tasks import index_new_articles, match_new_articles
from apps.sources.validators import web_url

# Articles per story-matching job: an import stores 250 at a time, so one job each. The
# background worker runs one job at a time, and an import queued behind a running match waits
# for it: 250 articles take it about 0.15 s. Each job reads the project's newest articles
# once, and is claimed and recorded as a task: jobs of 50 cost a fifth more CPU per article.
MATCH_JOB_ARTICLES = 250


def store_articles(*, articles: list[Article]) -> list[Article]:
    """Insert new articles in one COPY, with the fields derived from their text.

    The one way articles are stored: PostgreSQL derives the hash and the length itself, the
    fingerprint is computed here, and once the transaction commits the background worker fills
    their search columns and looks for their story matches. Call inside a transaction.
    """
    for article in articles:
        if article.url:
            web_url(article.url)  # COPY skips the field's validation; the database would refuse it too
        article.fingerprint = fingerprint(article.text)
    stored = copy_insert(articles)
    ids = [article.pk for article in stored]
    transaction.on_commit(lambda: enqueue_indexing(ids))
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


def enqueue_indexing(article_ids: list[int]) -> None:
    """Have the background worker make the articles searchable, a job per batch an import stores."""
    for job in batched(article_ids, MATCH_JOB_ARTICLES, strict=False):
        index_new_articles.enqueue(list(job))


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


METADATA = ("title", "url", "author", "publisher", "published_on", "language")


def update_article(*, article: Article, user, fields: list[str]) -> Article:
    """Save changed metadata (title, url, author, publisher, date, language, story); the text
    stays as it is. The history triggers record who changed what; search finds the new values at once."""
    if not user.has_perm("articles.change_article", article):
        raise PermissionDenied("Only members of the project can change its articles.")
    allowed = {*METADATA, "story"}
    if set(fields) - allowed:
        raise ValueError(f"Not changeable: {', '.join(sorted(set(fields) - allowed))}")
    with transaction.atomic():
        article.save(update_fields=fields)
        if set(fields) & set(METADATA):
            index_articles([article.pk])
    return article


# The metadata a later import of the same text may fill in, with each field's English name.
FILLABLE = {"url": "web address", "author": "author", "published_on": "publication date", "publisher": "publisher"}


def fill_empty_metadata(*, article: Article, values: dict) -> list[str]:
    """Fill the article's empty metadata from `values` (a later import of the same text); never
    overwrite what is there. Returns the names of the fields filled.

    Each field is written only while it is still empty in the database, so two imports at once
    cannot overwrite each other, and a member's correction is never undone by an import.
    """
    filled = []
    for name, value in values.items():
        if name not in FILLABLE or value in (None, ""):
            continue
        column = "publisher_id" if name == "publisher" else name
        empty = models.Q(**{f"{column}__isnull": True})
        if name in ("url", "author"):
            empty |= models.Q(**{column: ""})
        if Article.objects.filter(empty, pk=article.pk).update(**{name: value}):
            setattr(article, name, value)
            filled.append(FILLABLE[name])
    if article.language == "und" and values.get("language") not in (None, "", "und"):
        if Article.objects.filter(pk=article.pk, language="und").update(language=values["language"]):
            article.language = values["language"]
            filled.append("language")
    if filled:
        index_articles([article.pk])
    return filled


NOT_ASSIGNING = "Only the project's reviewers and managers assign its articles."
NOT_A_MEMBER = "Only members of the project mark its articles done."


def require_assigning(by, articles: list[Article]) -> None:
    for article in articles:
        if not by.has_perm("articles.assign_article", article):
            raise PermissionDenied(NOT_ASSIGNING)


def assign_articles(*, articles: Iterable[Article], users: Iterable, by) -> list[Assignment]:
    """Give each article to each user, who must be members of its project; `by` reviews or manages it.

    An article a user already has stays as it was (who assigned it, and when). Returns the new
    assignments.
    """
    articles, users = list(articles), list(users)
    require_assigning(by, articles)
    for article in articles:
        for user in users:
            if not rules.test_rule("articles.works_on_article", user, article):
                raise ValidationError(f"{user.get_username()} is not a member of the project of “{article.title}”.")
    now = timezone.now()
    try:
        with transaction.atomic():
            had = set(
                Assignment.objects.filter(article__in=articles, user__in=users).values_list("article_id", "user_id")
            )
            new = [
                Assignment(project_id=article.project_id, article=article, user=user, assigned_by=by, assigned_at=now)
                for article in articles
                for user in users
                if (article.pk, user.pk) not in had
            ]
            # Someone assigning the same article at the same moment is no error: it is assigned.
            Assignment.objects.bulk_create(new, ignore_conflicts=True)
    except IntegrityError as error:
        # The database's own check (migration 0016): a member removed since the check above.
        raise ValidationError("Only members of the article's project can be assigned to it.") from error
    return new


def unassign_articles(*, articles: Iterable[Article], users: Iterable, by) -> int:
    """Take the articles back from the users; their done marks stay theirs. Returns how many were taken back."""
    articles, users = list(articles), list(users)
    require_assigning(by, articles)
    deleted, _ = Assignment.objects.filter(article__in=articles, user__in=users).delete()
    return deleted


def require_member(user, article: Article) -> None:
    if not rules.test_rule("articles.works_on_article", user, article):
        raise PermissionDenied(NOT_A_MEMBER)


def mark_done(*, article: Article, user) -> DoneMark:
    """Record the user's own word that their work on the article is done (once; again changes nothing)."""
    require_member(user, article)
    try:
        with transaction.atomic():
            mark, _ = DoneMark.objects.get_or_create(
                article=article, user=user, defaults={"project_id": article.project_id}
            )
    except IntegrityError as error:
        raise PermissionDenied(NOT_A_MEMBER) from error
    return mark


def unmark_done(*, article: Article, user) -> None:
    """Take the user's done mark on the article back (none there changes nothing)."""
    require_member(user, article)
    DoneMark.objects.filter(article=article, user=user).delete()


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
