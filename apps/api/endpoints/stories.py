from datetime import date
from itertools import pairwise
from typing import Annotated

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from apps.api.endpoints.common import answers
from apps.api.schemas import MAX_ID, InputSchema
from apps.articles.models import Article, Story
from apps.stories.alignment import align_paragraphs
from apps.stories.services import gather_story
from apps.stories.side_by_side import by_publication

router = Router(tags=["stories"])
# A story is grouped by hand; a request naming more articles than this is no such grouping.
MAX_ARTICLES = 100


class StoryIn(InputSchema):
    articles: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        ...,
        min_length=2,
        max_length=MAX_ARTICLES,
        description="Ids of articles of one project. Their stories, if they had any, become one.",
    )


class StoryArticleOut(Schema):
    id: int
    title: str
    language: str
    publisher: str | None
    published_on: date | None

    @staticmethod
    def resolve_publisher(article) -> str | None:
        return article.publisher.name if article.publisher_id else None


class SegmentOut(Schema):
    start: int = Field(description="Code point where the paragraph starts in its article's text.")
    end: int = Field(description="Code point just after it.")


class ParagraphPairOut(Schema):
    left: list[SegmentOut] = Field(description="Paragraphs of the first article of the pair (none: only in the other).")
    right: list[SegmentOut] = Field(description="Paragraphs of the second article that correspond to them.")
    one_sided: bool = Field(description="Whether this part exists in only one of the two texts.")


class AlignmentOut(Schema):
    left: int = Field(description="The first article's id.")
    right: int = Field(description="The next article's id.")
    paragraphs: list[ParagraphPairOut]


class StoryOut(Schema):
    id: int
    project: int
    name: str
    articles: list[StoryArticleOut] = Field(description="By publication date (undated last), then by import.")
    alignment: list[AlignmentOut] = Field(
        description="Each article with the next one in `articles`: their paragraphs paired where they correspond."
    )


def segments(run) -> list[dict]:
    return [{"start": segment.start, "end": segment.end} for segment in run]


def story_out(story: Story) -> dict:
    articles = list(
        by_publication(story.articles)
        .select_related("publisher")
        .only("pk", "project_id", "title", "language", "published_on", "text", "publisher__name")
    )
    alignment = [
        {
            "left": left.pk,
            "right": right.pk,
            "paragraphs": [
                {"left": segments(pair.left), "right": segments(pair.right), "one_sided": pair.one_sided}
                for pair in align_paragraphs(
                    left.text, right.text, left_language=left.language, right_language=right.language
                )
            ],
        }
        for left, right in pairwise(articles)
    ]
    return {
        "id": story.pk,
        "project": story.project_id,
        "name": story.title,
        "articles": articles,
        "alignment": alignment,
    }


@router.post("/stories", response=answers({201: StoryOut}), summary="Put articles of one project into one story")
def story_create(request, payload: StoryIn):
    ids = list(dict.fromkeys(payload.articles))
    articles = {article.pk: article for article in Article.objects.visible_to(request.auth).filter(pk__in=ids)}
    if len(articles) != len(ids):
        raise Http404  # unknown, or of projects the user is not in
    story = gather_story(articles=[articles[pk] for pk in ids], user=request.auth)
    return Status(201, story_out(story))


@router.get("/stories/{story_id}", response=answers({200: StoryOut}), summary="A story's articles and their alignment")
def story_detail(request, story_id: int = Path(..., ge=1, le=MAX_ID)):
    return story_out(get_object_or_404(Story.objects.visible_to(request.auth), pk=story_id))
