from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.stories.forms import CounterpartForm
from apps.stories.services import counterparts_of, create_counterpart, propose_counterpart

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
