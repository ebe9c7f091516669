from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.articles.models import Article, Story
from apps.articles.services import join_story

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
