from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.articles.models import Article
from apps.articles.services import join_story


@login_required
@require_GET
def article_list(request):
    articles = Article.objects.visible_to(request.user).for_list()
    query = request.GET.get("q", "").strip()
    if query:
        articles = articles.filter(title__icontains=query)
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "query": query})


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
    messages.success(request, f"“{other.title}” is now part of the story “{story.title}”.")
    return redirect(article)
