"""Stories and what is paired across their articles.

Counterpart spans: the passage of another article of the story that corresponds to an
annotation, proposed from the texts alone, and accepted as a new annotation linked to the first.
A story's articles and name: grouped as "Same story" does, named by its members."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.annotations.models import Annotation, Link
from apps.annotations.services import create_annotation, link_source
from apps.articles.models import Article, Story
from apps.articles.services import join_story
from apps.stories.counterparts import Proposal, propose_span
from apps.stories.models import Counterpart

NOT_SEEN = "Not found, or not in your projects."
OTHER_STORY = "Find counterparts in the other articles of this article's story; this one is not among them."
SAME_ARTICLE = "Choose another article of the story: a counterpart is in another text."
NOTHING_THERE = "The other article has no passage to pair with this one."
# The links that say who speaks or claims travel to the counterpart: it is the same statement.
SPEAKER_ROLES = (Link.Role.SAID_BY, Link.Role.CLAIMANT)


class NoCounterpart(ValidationError):
    """The two articles cannot hold counterparts (not one story), or the other has nothing to pair."""


def seen_annotation(*, user, pk: int) -> Annotation:
    """The live annotation if the user may see it (blind mode included); PermissionDenied otherwise."""
    annotation = Annotation.objects.visible_to(user).live().select_related("article").filter(pk=pk).first()
    if annotation is None:
        raise PermissionDenied(NOT_SEEN)
    return annotation


def check_story(annotation: Annotation, article) -> None:
    own = annotation.article
    if article.pk == own.pk:
        raise NoCounterpart(SAME_ARTICLE)
    if article.project_id != own.project_id or own.story_id is None or article.story_id != own.story_id:
        raise NoCounterpart(OTHER_STORY)


def propose_counterpart(*, annotation: Annotation, article, user) -> Proposal:
    """The span of `article` that corresponds to `annotation`, from the two texts alone: nobody's
    annotations of the other article are read, so blind mode has nothing to hide here."""
    if not user.has_perm("annotations.view_annotation", annotation) or not user.has_perm(
        "articles.view_article", article
    ):
        raise PermissionDenied(NOT_SEEN)
    check_story(annotation, article)
    own = annotation.article
    proposal = propose_span(
        own.text,
        article.text,
        start=annotation.start,
        end=annotation.end,
        kind=annotation.kind,
        source_language=own.language,
        target_language=article.language,
    )
    if proposal is None:
        raise NoCounterpart(NOTHING_THERE)
    return proposal


def link_counterparts(*, annotation: Annotation, other: Annotation, user) -> Counterpart:
    """Record that two annotations of two articles of one story mark the same passage."""
    if not user.has_perm("annotations.view_annotation", annotation) or not user.has_perm(
        "annotations.change_annotation", other
    ):
        raise PermissionDenied(NOT_SEEN)
    check_story(annotation, other.article)
    pair, _ = Counterpart.objects.get_or_create(
        annotation=annotation,
        other=other,
        defaults={"project_id": annotation.article.project_id, "created_by": user},
    )
    return pair


def create_counterpart(
    *,
    annotation: Annotation,
    article,
    user,
    start: int,
    end: int,
    exact: str,
    kind: str = "",
    note: str = "",
    tags: Sequence[str] = (),
) -> Annotation:
    """Mark the counterpart of `annotation` in `article`: a new annotation of the same kind (unless
    another is asked for) with the same speaker or claimant, linked to the first as its counterpart."""
    if not user.has_perm("annotations.view_annotation", annotation):
        raise PermissionDenied(NOT_SEEN)
    check_story(annotation, article)
    with transaction.atomic():
        created = create_annotation(
            article=article,
            user=user,
            kind=kind or annotation.kind,
            start=start,
            end=end,
            exact=exact,
            note=note,
            tags=tags,
        )
        for link in annotation.links.filter(role__in=SPEAKER_ROLES).select_related("source"):
            link_source(annotation=created, source=link.source, role=link.role, user=user)
        link_counterparts(annotation=annotation, other=created, user=user)
    return created


def counterparts_of(annotation: Annotation, user) -> list[Annotation]:
    """The annotations paired with `annotation` that the user may see, with their articles."""
    pairs = Counterpart.objects.visible_to(user).of(annotation.pk).values_list("annotation_id", "other_id")
    ids = {b if a == annotation.pk else a for a, b in pairs}
    if not ids:
        return []
    return list(
        Annotation.objects.visible_to(user)
        .live()
        .filter(pk__in=ids)
        .select_related("article")
        .only("pk", "kind", "status", "start", "end", "exact", "article__id", "article__title", "article__language")
        .order_by("pk")
    )


NOT_A_MEMBER = "Only members of the project can name and group its stories."
NAME_MAX_CHARS = Story._meta.get_field("title").max_length


def rename_story(*, story: Story, user, name: str) -> Story:
    """Give the story the name its members know it by (it starts as the title of one of its articles)."""
    if not user.has_perm("articles.change_story", story):
        raise PermissionDenied(NOT_A_MEMBER)
    name = " ".join(name.replace("\x00", "").split())
    if not name:
        raise ValidationError({"name": "A story needs a name."})
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError({"name": f"A story's name has at most {NAME_MAX_CHARS} characters."})
    Story.objects.filter(pk=story.pk).update(title=name)
    story.title = name
    return story


def gather_story(*, articles: list[Article], user) -> Story:
    """Put articles of one project into one story, as "Same story" does for two: their stories,
    if they had any, become one. Refuses articles of several projects (ValidationError)."""
    if len(articles) < 2:
        raise ValidationError({"articles": "Name at least two articles to put into one story."})
    if len({article.project_id for article in articles}) > 1:
        raise ValidationError({"articles": "Only articles of the same project can form a story."})
    for article in articles:
        if not user.has_perm("articles.change_story", article):
            raise PermissionDenied(NOT_A_MEMBER)
    first = articles[0]
    with transaction.atomic():
        for other in articles[1:]:
            story = join_story(article=first, other=other, user=user)
    return story
