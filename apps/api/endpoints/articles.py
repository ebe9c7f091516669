from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from apps.api.endpoints.common import answers, without_nul
from apps.api.paging import paged
from apps.api.schemas import MAX_ID, ArticleOut, ArticlePage, Page, VersionIn, VersionOut
from apps.articles.models import Article
from apps.stories.versions import add_version

router = Router(tags=["articles"])


class ArticleFilters(Schema):
    project: int | None = Field(None, ge=1, le=MAX_ID)
    language: str | None = Field(None, max_length=3, description="ISO 639-1 code, or `und`.")
    q: str | None = Field(None, max_length=500, description="Words of the title (accents ignored).")


@router.get("/articles", response=answers({200: ArticlePage}), summary="Articles, newest import first")
def article_list(request, response: HttpResponse, filters: Query[ArticleFilters], page: Query[Page]):
    articles = (
        Article.objects.visible_to(request.auth)
        .latest_versions()
        .for_list(request.auth)
        .titled(without_nul(filters.q or "").strip())
    )
    if filters.project:
        articles = articles.filter(project_id=filters.project)
    if filters.language:
        articles = articles.filter(language=without_nul(filters.language))
    return paged(request, response, articles, limit=page.limit, offset=page.offset)


@router.get(
    "/articles/{article_id}",
    response=answers({200: ArticleOut}),
    url_name="article_detail",
    summary="One article with its text",
)
def article_detail(request, article_id: int = Path(..., ge=1, le=MAX_ID)):
    articles = (
        Article.objects.visible_to(request.auth).for_list(request.auth).defer(None).defer("original", "search", "names")
    )
    return get_object_or_404(articles, pk=article_id)


@router.post(
    "/articles/{article_id}/versions",
    response=answers({201: VersionOut}),
    summary="Add a new text of an article as its next version; its annotations are carried over",
)
def article_version_create(
    request, response: HttpResponse, payload: VersionIn, article_id: int = Path(..., ge=1, le=MAX_ID)
):
    article = get_object_or_404(Article.objects.visible_to(request.auth).only("pk", "project_id"), pk=article_id)
    added = add_version(
        article=article, text=without_nul(payload.text), title=without_nul(payload.title), user=request.auth
    )
    response["Location"] = reverse("api:v1:article_detail", args=[added.article.pk])
    return Status(201, {"id": added.article.pk, "replaces": article.pk, "anchoring": added.counts})
