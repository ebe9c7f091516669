from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.annotations.models import Annotation
from apps.articles.models import Article, Story, language_name
from apps.stories.forms import CounterpartForm, StoryNameForm
from apps.stories.services import NOT_A_MEMBER, counterparts_of, create_counterpart, propose_counterpart, rename_story
from apps.stories.side_by_side import by_publication, side_by_side

TEMPLATE = "stories/counterparts.html"


def seen_annotation(request, pk) -> Annotation:
    """The annotation if the user may see it (blind mode included); 404 otherwise."""
    annotations = Annotation.objects.visible_to(request.user).live().select_related("article")
    return get_object_or_404(annotations, pk=pk)


def other_articles(annotation):
    own = annotation.article
    if own.story_id is None:
        return []
    return list(
        Article.objects.filter(story_id=own.story_id, project_id=own.project_id)
        .exclude(pk=own.pk)
        .only("pk", "title", "language")
        .order_by("pk")
    )


def story_article(request, annotation, pk) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user), pk=pk, story_id=annotation.article.story_id)


def section(request, annotation, *, status=200, **extra):
    context = {
        "annotation": annotation,
        "counterparts": counterparts_of(annotation, request.user),
        "articles": other_articles(annotation),
        **extra,
    }
    return render(request, TEMPLATE + "#counterparts", context, status=status)


@login_required
@require_GET
def counterparts_section(request, pk):
    """The panel's part on counterparts: those paired with the annotation, on either side, and
    "find in the other version" for each other article of its story."""
    return section(request, seen_annotation(request, pk))


@login_required
@require_GET
def counterpart_proposal(request, pk):
    annotation = seen_annotation(request, pk)
    article_pk = request.GET.get("article", "")
    if not article_pk.isdigit():
        return section(request, annotation, status=422, error="Choose one of the story's other articles.")
    article = story_article(request, annotation, int(article_pk))
    try:
        proposal = propose_counterpart(annotation=annotation, article=article, user=request.user)
    except ValidationError as error:
        return section(request, annotation, status=422, error=" ".join(error.messages))
    form = CounterpartForm(initial={"article": article.pk, "start": proposal.start, "end": proposal.end})
    context = {
        "proposal": proposal,
        "proposed": article.text[proposal.start : proposal.end],
        "other": article,
        "form": form,
    }
    return section(request, annotation, **context)


@login_required
@require_POST
def counterpart_accept(request, pk):
    """Mark the proposed (or adjusted) span of the other article as the annotation's counterpart."""
    annotation = seen_annotation(request, pk)
    article_pk = request.POST.get("article", "")
    if not article_pk.isdigit():
        return section(request, annotation, status=422, error="Choose one of the story's other articles.")
    article = story_article(request, annotation, int(article_pk))
    form = CounterpartForm(request.POST, text=article.text)
    if not form.is_valid():
        error = " ".join(message for messages in form.errors.values() for message in messages)
        return section(request, annotation, status=422, error=error, other=article, form=form)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        created = create_counterpart(
            annotation=annotation,
            article=article,
            user=request.user,
            start=start,
            end=end,
            exact=article.text[start:end],
        )
    except ValidationError as error:
        return section(request, annotation, status=422, error=" ".join(error.messages), other=article, form=form)
    return section(request, annotation, saved=f"Marked in “{article.title}” as its counterpart.", created=created)


DETAIL = "stories/story_detail.html"
# What the page reads of every article of the story; the two shown are read whole.
LISTED_FIELDS = ("pk", "project_id", "story_id", "title", "language", "url", "published_on", "publisher__name")


def chosen(articles: list[Article], params: QueryDict) -> list[Article]:
    """The two articles to show side by side: those `left` and `right` name, else the first two
    published. A choice that is not one of the story's articles changes nothing."""
    ids = {str(article.pk): article for article in articles}
    left, right = params.get("left", ""), params.get("right", "")
    if left in ids and right in ids and left != right:
        return [ids[left], ids[right]]
    return articles[:2]


def story_page_context(request, story: Story, params: QueryDict, *, name_form=None, only: str = "") -> dict:
    articles = list(
        by_publication(story.articles.select_related("publisher").only(*LISTED_FIELDS)),
    )
    shown = chosen(articles, params)
    # Only the two shown are read whole: their texts and what the columns need of them.
    texts = Article.objects.filter(pk__in=[article.pk for article in shown]).only(
        "pk", "project_id", "text", "headings", "language", "title"
    )
    texts = {article.pk: article for article in texts}
    shown = [texts[article.pk] for article in shown if article.pk in texts]  # not one deleted since
    columns = side_by_side(shown[0], shown[1] if len(shown) > 1 else None, request.user, only=only) if shown else []
    query = {"left": shown[0].pk, "right": shown[1].pk} if len(shown) > 1 else {}
    return {
        "story": story,
        "articles": articles,
        "shown": {article.pk for article in shown},
        "columns": columns,
        "query": query,
        "may_rename": request.user.has_perm("articles.change_story", story),
        "name_form": name_form or StoryNameForm(initial={"name": story.title}),
    }


def visible_story(request, pk) -> Story:
    return get_object_or_404(Story.objects.visible_to(request.user).select_related("project"), pk=pk)


@login_required
@require_GET
def story_detail(request, pk):
    """The story's articles side by side, their paragraphs aligned, annotated as on an article's page."""
    story = visible_story(request, pk)
    side = request.GET.get("column", "") if request.htmx else ""
    if side not in ("", "left", "right"):
        return HttpResponseBadRequest("Say which column: left or right.")
    context = story_page_context(request, story, request.GET, only=side)
    if side:
        # A column rendered again once an annotation changed (the workbench's events).
        if not context["columns"]:
            return HttpResponseBadRequest("This story has no such column.")
        return render(request, DETAIL + "#story-column", {**context, "column": context["columns"][0]})
    return render(request, DETAIL, context)


@login_required
@require_POST
def story_rename(request, pk):
    story = visible_story(request, pk)
    if not request.user.has_perm("articles.change_story", story):
        raise PermissionDenied(NOT_A_MEMBER)
    form = StoryNameForm(request.POST)
    if form.is_valid():
        try:
            rename_story(story=story, user=request.user, name=form.cleaned_data["name"])
        except ValidationError as refusal:
            form.add_error(None, refusal)
    if not form.errors:
        if not request.htmx:
            messages.success(request, "The story's name is saved.")
            return redirect("stories:detail", story.pk)
        form = StoryNameForm(initial={"name": story.title})
    status = 422 if form.errors else 200
    if request.htmx:
        context = {"story": story, "may_rename": True, "name_form": form, "saved": not form.errors}
        return render(request, DETAIL + "#story-name", context, status=status)
    return render(request, DETAIL, story_page_context(request, story, QueryDict(), name_form=form), status=status)


@login_required
@require_GET
def story_list(request):
    """The stories of the user's projects with their languages, outlets and first publication."""
    stories = Paginator(Story.objects.visible_to(request.user).for_list(), 50)
    page = stories.get_page(request.GET.get("page"))
    for story in page.object_list:
        story.language_names = [language_name(code) for code in story.languages]
    return render(request, "stories/story_list.html", {"page": page})
