"""The pages of an article's versions: the versions with a diff between two, a new version by
paste or upload, and the reviewers' queue of annotations carried other than exactly."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.annotations.models import open_work
from apps.annotations.services import DuplicateAnnotation, EditConflict
from apps.articles.models import Article
from apps.stories.diffing import diff_html
from apps.stories.models import Anchoring
from apps.stories.versions import (
    AnchoringDecided,
    add_version,
    adjust_anchoring,
    confirm_anchoring,
    drop_anchoring,
)

VERSIONS = "stories/article_versions.html"
QUEUE = "stories/anchoring_queue.html"
# An upload is plain text: the import page reads web pages and other formats.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class VersionForm(forms.Form):
    text = forms.CharField(
        label="Paste the new text", widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}), required=False, strip=False
    )
    upload = forms.FileField(label="Or upload it (a .txt or .md file, UTF-8)", required=False)
    title = forms.CharField(label="Title of the new version (the same if empty)", max_length=500, required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError("The file is larger than 10 MB.")
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(
                    "The file is not UTF-8 text; import other formats from the Import page."
                ) from None
            data["original_name"] = upload.name[:500]
        elif not data.get("text", "").strip():
            raise ValidationError("Paste the new text or upload it.")
        return data


def visible_article(request, pk) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user).select_related("project"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def article_versions(request, pk):
    """An article's versions: which one this is, a diff between two, the annotations that could
    not be carried here, and a form for the next version."""
    article = visible_article(request, pk)
    form = VersionForm()
    status = 200
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                added = add_version(
                    article=article,
                    text=data["text"],
                    title=data["title"],
                    user=request.user,
                    original_name=data.get("original_name", ""),
                )
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                carried = ", ".join(f"{count} {state}" for state, count in added.counts.items() if count)
                messages.success(
                    request,
                    "The new version is stored." + (f" Annotations carried over: {carried}." if carried else ""),
                )
                return redirect(added.article)
        status = 422
    chain = article.version_chain()
    ids = [version.pk for version in chain]
    position = ids.index(article.pk)
    compare_from, compare_to = chosen_pair(request, ids, position)
    texts = dict(Article.objects.filter(pk__in=[compare_from, compare_to]).values_list("pk", "text"))
    anchorings = Anchoring.objects.filter(article=article).select_related("origin__created_by", "annotation")
    hidden = open_work(request.user, annotation="origin__")
    if hidden is not None:
        anchorings = anchorings.filter(hidden)
    context = {
        "article": article,
        "chain": chain,
        "number": position + 1,
        "compare_from": compare_from,
        "compare_to": compare_to,
        "diff": diff_html(texts[compare_from], texts[compare_to]) if compare_from != compare_to else None,
        "orphaned": [a for a in anchorings if a.state == Anchoring.State.ORPHANED and a.annotation_id is None],
        "waiting": [a for a in anchorings if a.waiting and a.annotation_id],
        "form": form,
        "may_add": request.user.has_perm("articles.add_article", article) and position == len(chain) - 1,
        "may_review": request.user.has_perm("stories.review_anchoring", article),
    }
    return render(request, VERSIONS, context, status=status)


def chosen_pair(request, ids: list[int], position: int) -> tuple[int, int]:
    """The two versions to compare: those the address names, else the one before and this one."""
    default = (ids[max(0, position - 1)], ids[position])
    try:
        chosen = int(request.GET.get("from", default[0])), int(request.GET.get("to", default[1]))
    except ValueError:
        return default
    return chosen if all(pk in ids for pk in chosen) else default


@login_required
def anchoring_queue(request):
    """Annotations carried to a new version other than exactly, for the reviewers of their
    projects to confirm, adjust or drop; the oldest first."""
    waiting = (
        Anchoring.objects.reviewable_by(request.user)
        .waiting()
        .select_related("article", "origin__created_by", "annotation")
        .defer(*(f"article__{name}" for name in ("text", "original", "headings", "fingerprint", "search", "names")))
        .order_by("created_at", "pk")
    )
    project = request.GET.get("project", "")
    if project.isdigit():
        waiting = waiting.filter(article__project_id=int(project))
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    return render(request, QUEUE, {"page": page, "project": project})


@login_required
@require_POST
def anchoring_decide(request, pk):
    """Confirm, adjust (start and end in the new version) or drop one carried annotation."""
    anchoring = get_object_or_404(
        Anchoring.objects.reviewable_by(request.user).select_related("article", "origin", "annotation__article"), pk=pk
    )
    action = request.POST.get("action", "")
    try:
        if action == "confirm":
            confirm_anchoring(anchoring=anchoring, user=request.user)
        elif action == "drop":
            drop_anchoring(anchoring=anchoring, user=request.user)
        elif action == "adjust":
            start, end = request.POST.get("start", ""), request.POST.get("end", "")
            if not (start.isdigit() and end.isdigit()):
                raise ValidationError("Give the start and end of the passage as numbers.")
            adjust_anchoring(anchoring=anchoring, user=request.user, start=int(start), end=int(end))
        else:
            raise ValidationError("Confirm, adjust or drop.")
    except AnchoringDecided as decided:
        messages.error(request, str(decided))
        return redirect_back(request, status=409)
    except (ValidationError, DuplicateAnnotation) as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect_back(request, status=422)
    except EditConflict as conflict:
        messages.error(request, str(conflict))
        return redirect_back(request, status=409)
    except PermissionDenied:
        raise
    messages.success(request, f"Carried annotation {action}ed." if action != "drop" else "Carried annotation dropped.")
    return redirect("stories:anchorings")


def redirect_back(request, *, status: int):
    """The queue again with the refusal above it, with the refusal's status."""
    response = anchoring_queue(request)
    response.status_code = status
    return response
