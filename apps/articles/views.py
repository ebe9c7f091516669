from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.articles.models import Article, Story
from apps.articles.services import join_story


@login_required
@require_GET
def article_list(request):
    # PostgreSQL refuses NUL in a string, and no title holds one.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    articles = Article.objects.visible_to(request.user)
    facets = articles.facets(query)
    # A choice the user may not pick (another project, a stale link) filters nothing.
    project = request.GET.get("project", "")
    project = project if project in facets.projects else ""
    language = request.GET.get("language", "")
    language = language if language in facets.languages else ""
    articles = articles.for_list(request.user).titled(query).in_project(project).in_language(language)
    paginator = Paginator(articles, 50)
    # The facets have counted these articles already; this saves the paginator's COUNT query.
    paginator.count = facets.count(project=project, language=language)
    context = {
        "page": paginator.get_page(request.GET.get("page")),
        "query": query,
        "facets": facets,
        "filters": {"project": project, "language": language},
    }
    return render(request, "articles/article_list.html", context)


@login_required
@require_POST
def article_join_story(request, pk):
    article = get_object_or_404(Article.objects.visible_to(request.user), pk=pk)
    other_pk = request.POST.get("other", "")
    if not other_pk.isdigit():
        return HttpResponseBadRequest("Say which article tells the same story (its number).")
    other = get_object_or_404(Article.objects.visible_to(request.user), pk=int(other_pk))
    try:
        story = join_story(article=article, other=other, user=request.user)
    except ValueError as refusal:
        return HttpResponseBadRequest(str(refusal))
    messages.success(request, f"“{other.title}” is now part of the story “{story.title}”")
    return redirect(article)


@login_required
@require_GET
def story_detail(request, pk):
    """The articles that tell one story, in their languages."""
    story = get_object_or_404(Story.objects.visible_to(request.user).select_related("project"), pk=pk)
    articles = story.articles.only("pk", "title", "language", "url", "published_on").order_by("language", "pk")
    return render(request, "articles/story_detail.html", {"story": story, "articles": articles})
