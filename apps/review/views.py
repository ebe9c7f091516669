"""The review desk's project pages in the admin: dashboard, agreement, progress, curation.

The URLs wrap each view in `admin.site.admin_view`, so only those the admin lets in (reviewers
and managers, see projects/admin.py) reach them; each view then asks the rule about its project:
outside the user's projects a page does not exist (404), within them a role that may not see it
is refused (403).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.annotations.models import Annotation
from apps.annotations.services import StatusConflict
from apps.articles.models import TEXT_FIELDS, WEIGHTY_FIELDS, Article
from apps.articles.services import mark_curated
from apps.projects.models import Project, ProjectHistory
from apps.projects.permissions import deciding_own_work
from apps.review import charts
from apps.review.agreement import ALL, KINDS
from apps.review.curation import article_passages
from apps.review.dashboard import STATUSES, duration_text
from apps.review.figures import kept_agreement, kept_dashboard
from apps.review.progress import project_progress
from apps.review.services import Accepted, accept_version

ARTICLES_PER_PAGE = 50


def project_for(request, pk: int, perm: str) -> Project:
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm(perm, project):
        raise PermissionDenied("Only the project's reviewers and managers see this page.")
    return project


def page(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)


@require_GET
def review_index(request):
    """The projects whose dashboard and agreement the user may see (the admin index lists them too)."""
    return page(request, "review/review_index.html", {"title": "Review desk: projects"})


@require_GET
def project_dashboard_page(request, pk):
    project = project_for(request, pk, "review.view_dashboard")
    figures = kept_dashboard(project)
    status_colours = {status: charts.STATUS_COLOURS[status] for status in STATUSES}
    weeks = [week.start for week in figures.weeks]
    kind_rows = {Annotation.Kind(kind).label: counts for kind, counts in figures.by_kind.items()}
    context = {
        "title": f"Dashboard: {project}",
        "project": project,
        "figures": figures,
        "statuses": STATUSES,
        "kind_rows": [(label, [counts[s] for s in STATUSES], counts.total()) for label, counts in kind_rows.items()],
        "analyst_rows": [
            (name, [counts[s] for s in STATUSES], counts.total()) for name, counts in figures.by_analyst.items()
        ],
        "median_to_decision": duration_text(figures.median_to_decision),
        "active_weeks": [week for week in reversed(figures.weeks) if week.created or week.submitted or week.decided],
        "charts": [
            charts.stacked_bars(
                id="chart-kinds",
                title="Annotations by kind and status",
                description=f"{figures.total} live annotations of the project, one bar per kind, cut by status.",
                rows=kind_rows,
                segments=status_colours,
            ),
            charts.stacked_bars(
                id="chart-analysts",
                title="Annotations by analyst and status",
                description="One bar per analyst, cut by status.",
                rows=figures.by_analyst,
                segments=status_colours,
            ),
            charts.weekly_bars(
                id="chart-created",
                title="Annotations made per week",
                description="Live annotations by the week they were made.",
                weeks=weeks,
                series=[("Made", charts.CREATED_COLOUR, [week.created for week in figures.weeks])],
            ),
            charts.weekly_bars(
                id="chart-work",
                title="Submitted and decided per week",
                description="Submissions and decisions (approved, rejected, sent back to draft) each week.",
                weeks=weeks,
                series=[
                    ("Submitted", charts.SUBMITTED_COLOUR, [week.submitted for week in figures.weeks]),
                    ("Decided", charts.DECIDED_COLOUR, [week.decided for week in figures.weeks]),
                ],
            ),
        ],
    }
    return page(request, "review/project_dashboard.html", context)


@require_GET
def project_agreement_page(request, pk):
    project = project_for(request, pk, "review.view_agreement")
    agreement = kept_agreement(project)

    articles = Paginator(agreement.articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "title": f"Agreement: {project}",
        "project": project,
        "blind_since": blind_since(project),
        "agreement": agreement,
        "total": agreement.total,
        "articles": articles,
        "kinds": KINDS,
        "all": ALL,
    }
    return page(request, "review/project_agreement.html", context)


@require_GET
def project_progress_page(request, pk):
    project = project_for(request, pk, "review.view_progress")
    members = project_progress(project)
    context = {
        "title": f"Progress: {project}",
        "project": project,
        "members": members,
        "assigned": sum(member.assigned for member in members),
        "done": sum(member.done for member in members),
    }
    return page(request, "review/project_progress.html", context)


def blind_since(project):
    """When the project's blind mode was last switched to what it is now (None: never switched)."""
    settings = (
        ProjectHistory.objects.filter(pgh_obj_id=project.pk).order_by("pgh_id").values_list("blind", "pgh_created_at")
    )
    since, previous = None, None
    for blind, at in settings:
        if previous is not None and blind != previous:
            since = at
        previous = blind
    return since


class AcceptForm(forms.Form):
    accept = forms.IntegerField(min_value=1, error_messages={"required": "Choose the version to accept."})
    # The annotation's version as the page showed it; accepting is made from it.
    version = forms.IntegerField(min_value=1, required=False)


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def accepted_message(accepted: Accepted) -> str:
    annotation = accepted.annotation
    # "The quote marked by analyst", not "analyst's quote", which read as the role's.
    message = f"The {annotation.get_kind_display().lower()} marked by {annotation.created_by} is approved"
    if accepted.agreeing:
        message += f" with {counted(len(accepted.agreeing), 'identical version')}"
    if accepted.rejected:
        message += f"; {counted(len(accepted.rejected), 'other version')} rejected"
    if accepted.own:
        yours = counted(len(accepted.own), "version")
        message += f"; {yours} of yours left as {'it was' if len(accepted.own) == 1 else 'they were'}"
        message += " for another reviewer or manager to decide on"
    return message + "."


@require_http_methods(["GET", "POST"])
def article_curation(request, pk):
    # Its passages need the text, not the input it was imported from.
    articles = Article.objects.visible_to(request.user).select_related("project", "curated_by")
    article = get_object_or_404(articles.defer(*(set(WEIGHTY_FIELDS) - set(TEXT_FIELDS))), pk=pk)
    project_for(request, article.project_id, "review.view_agreement")
    may_review = request.user.has_perm("annotations.review_annotation", article)
    form = AcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied("Only reviewers and managers accept a version.")
        status = 422
        if form.is_valid():
            annotation = get_object_or_404(article.annotations.live(), pk=form.cleaned_data["accept"])
            try:
                accepted = accept_version(
                    annotation=annotation, user=request.user, seen_version=form.cleaned_data["version"]
                )
            except StatusConflict as conflict:
                form.add_error("accept", str(conflict))
                status = 409
            except PermissionDenied as refusal:
                form.add_error("accept", str(refusal))
                status = 403
            except ValidationError as refusal:
                form.add_error("accept", refusal)
            else:
                messages.success(request, accepted_message(accepted))
                return redirect(f"{request.path}#version-{annotation.pk}")
    analysts, passages = article_passages(article)
    user = request.user
    # The versions the rule refuses this reviewer (their own, see deciding_own_work): no accept button.
    own_versions = {a.pk for passage in passages for a in passage.annotations if deciding_own_work(user, a)}
    context = {
        "title": f"Curation: {article.title}",
        "article": article,
        "project": article.project,
        "analysts": analysts,
        "passages": passages,
        "may_review": may_review,
        "own_versions": own_versions,
        "may_curate": request.user.has_perm("articles.curate_article", article),
        "form": form,
    }
    return page(request, "review/article_curation.html", context, status=status)


@require_POST
def article_curated(request, pk):
    """Mark the article curated, or (`curated=0`) no longer: see articles.services.mark_curated."""
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("project").defer(*WEIGHTY_FIELDS), pk=pk
    )
    project_for(request, article.project_id, "review.view_agreement")
    curated = request.POST.get("curated", "1") != "0"
    mark_curated(article=article, user=request.user, curated=curated)
    if curated:
        seen = " Its analysts now see each other's annotations of it." if article.project.blind else ""
        messages.success(request, f"Marked curated.{seen}")
    else:
        hidden = " Its analysts see only their own annotations of it again." if article.project.blind else ""
        messages.success(request, f"No longer marked curated.{hidden}")
    return redirect("review:curation", article.pk)
