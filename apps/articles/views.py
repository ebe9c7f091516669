from urllib.parse import urlsplit

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.articles.forms import ArticleDetailsForm, AssignmentForm
from apps.articles.models import Article, Assignment, DoneMark
from apps.articles.services import (
    NOT_ASSIGNING,
    assign_articles,
    join_story,
    mark_done,
    unassign_articles,
    unmark_done,
    update_article,
)
from apps.projects.history import timeline
from apps.projects.models import Project

LIST = "articles/article_list.html"


def list_context(request, params: QueryDict, form: AssignmentForm | None = None) -> dict:
    """The article list as `params` (a query string) asks for it, the user's assigned articles first."""
    user = request.user
    # PostgreSQL refuses NUL in a string, and no title holds one.
    query = params.get("q", "").replace("\x00", "").strip()
    # Earlier versions of a text are reached from its latest version's page.
    articles = Article.objects.visible_to(user).latest_versions()
    facets = articles.facets(query, user)
    # A choice the user may not pick (another project, a stale link) filters nothing.
    project = params.get("project", "")
    project = project if project in facets.projects else ""
    language = params.get("language", "")
    language = language if language in facets.languages else ""
    assigned = params.get("assigned", "") == "me"
    articles = articles.for_list(user).titled(query).in_project(project).in_language(language).with_work(user)
    if assigned:
        articles = articles.assigned_to(user)
    assigned_count = facets.count(project=project, language=language, assigned=True)
    if assigned_count:
        articles = articles.assigned_first(user, assigned_count)
    paginator = Paginator(articles, 50)
    # The facets have counted these articles already; this saves the paginator's COUNT query.
    paginator.count = facets.count(project=project, language=language, assigned=assigned)
    context = {
        "page": paginator.get_page(params.get("page")),
        "query": query,
        "facets": facets,
        "filters": {"project": project, "language": language, "assigned": assigned},
        "assigned_count": assigned_count,
    }
    # Assigning needs one project: its members are the ones to choose from.
    if project and user.has_perm("articles.assign_article", Project(pk=int(project))):
        context["assignment_form"] = form or AssignmentForm(project=int(project))
        context["ticked"] = set(form.data.getlist("articles")) if form else set()
    return context


@login_required
@require_GET
def article_list(request):
    return render(request, LIST, {**list_context(request, request.GET), "list_address": request.get_full_path()})


def list_address(request, project: Project) -> str:
    """Where the list was (its filters and page), or the project's list."""
    address = request.POST.get("next", "")
    path = reverse("articles:list")
    if url_has_allowed_host_and_scheme(address, allowed_hosts=None) and urlsplit(address).path == path:
        return address
    return f"{path}?project={project.pk}"


@login_required
@require_POST
def article_assign(request):
    """Assign the ticked articles of a project to the chosen members, or take them back."""
    project_pk = request.POST.get("project", "")
    if not project_pk.isdigit():
        return HttpResponseBadRequest("Say which project the articles are in.")
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=int(project_pk))
    if not request.user.has_perm("articles.assign_article", project):
        raise PermissionDenied(NOT_ASSIGNING)
    form = AssignmentForm(request.POST, project=project)
    if form.is_valid():
        articles, users = form.cleaned_data["articles"], list(form.cleaned_data["users"])
        names = ", ".join(user.get_username() for user in users)
        try:
            if form.cleaned_data["action"] == "assign":
                new = assign_articles(articles=articles, users=users, by=request.user)
                message = assigned_message(len(articles), len(users), len(new), names)
            else:
                taken = unassign_articles(articles=articles, users=users, by=request.user)
                message = f"{taken} assignment{'s' if taken != 1 else ''} taken back from {names}."
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, message)
            return redirect(list_address(request, project))
    address = list_address(request, project)
    context = {**list_context(request, QueryDict(urlsplit(address).query), form), "list_address": address}
    return render(request, LIST, context, status=422)


def assigned_message(articles: int, users: int, new: int, names: str) -> str:
    counted = f"{articles} article{'s' if articles != 1 else ''}"
    if not new:
        return f"{counted} already assigned to {names}."
    had = articles * users - new
    return f"{counted} assigned to {names}." + (f" {had} of these assignments were there already." if had else "")


def article_with_work(request, pk) -> Article:
    """The article with the signed-in user's `done` mark on it and whether (and by whom) it is
    `assigned` to them, in one query."""
    mine = {"article": models.OuterRef("pk"), "user": request.user}
    articles = Article.objects.visible_to(request.user).only("pk", "project_id", "title")
    return get_object_or_404(
        articles.annotate(
            done=models.Exists(DoneMark.objects.filter(**mine)),
            assigned=models.Exists(Assignment.objects.filter(**mine)),
            assigned_by=models.Subquery(Assignment.objects.filter(**mine).values("assigned_by__username")[:1]),
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_done(request, pk):
    """The signed-in user's own "done" mark on the article: shown (GET), set or taken back (POST)."""
    article = article_with_work(request, pk)
    if request.method == "POST":
        if request.POST.get("done") == "no":
            unmark_done(article=article, user=request.user)
        else:
            mark_done(article=article, user=request.user)
        if not request.htmx:
            return redirect(article)
        article = article_with_work(request, pk)
    may_mark = rules.test_rule("articles.works_on_article", request.user, article)
    return render(request, "articles/done_mark.html", {"article": article, "may_mark": may_mark})


@login_required
@require_http_methods(["GET", "POST"])
def article_details(request, pk):
    """Correct an article's title and metadata (its members); the text never changes."""
    article = get_object_or_404(Article.objects.visible_to(request.user).select_related("publisher", "project"), pk=pk)
    if not request.user.has_perm("articles.change_article", article):
        raise PermissionDenied("Only members of the project can correct its articles.")
    form = ArticleDetailsForm(request.POST or None, instance=article)
    if request.method == "POST":
        if form.is_valid():
            changed = form.changed_metadata()
            if changed:
                with transaction.atomic():
                    form.save_publisher()
                    update_article(article=article, user=request.user, fields=changed)
                messages.success(request, "The article's details are saved.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect(article)
    history = timeline(article.history.all(), limit=20)
    context = {"article": article, "form": form, "history": history}
    return render(request, "articles/article_details.html", context, status=422 if form.errors else 200)


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


@require_GET
def story_detail(request, pk):
    """The story's page moved to the stories app; links to its old address still lead there."""
    return redirect("stories:detail", pk, permanent=True)
