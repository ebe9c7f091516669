from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from apps.api.endpoints.common import answers, without_nul
from apps.api.paging import paged
from apps.api.schemas import MAX_ID, ArticleOut, ArticlePage, Page
from apps.articles.models import Article

router = Router(tags=["articles"])


class ArticleFilters(Schema):
    project: int | None = Field(None, ge=1, le=MAX_ID)
    language: str | None = Field(None, max_length=3, description="ISO 639-1 code, or `und`.")
    q: str | None = Field(None, max_length=500, description="Words of the title (accents ignored).")


@router.get("/articles", response=answers({200: ArticlePage}), summary="Articles, newest import first")
def article_list(request, response: HttpResponse, filters: Query[ArticleFilters], page: Query[Page]):
    articles = (
        Article.objects.visible_to(request.auth).for_list(request.auth).titled(without_nul(filters.q or "").strip())
    )
    if filters.project:
        articles = articles.filter(project_id=filters.project)
    if filters.language:
        articles = articles.filter(language=without_nul(filters.language))
    return paged(request, response, articles, limit=page.limit, offset=page.offset)


@router.get("/articles/{article_id}", response=answers({200: ArticleOut}), summary="One article with its text")
def article_detail(request, article_id: int = Path(..., ge=1, le=MAX_ID)):
    articles = (
        Article.objects.visible_to(request.auth).for_list(request.auth).defer(None).defer("original", "search", "names")
    )
    return get_object_or_404(articles, pk=article_id)
