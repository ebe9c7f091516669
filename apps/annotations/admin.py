import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from apps.annotations.forms import CommentForm, ReviewForm
from apps.annotations.models import Annotation, CommentHistory, Link, LinkHistory, quoted
from apps.annotations.rendering import passage_html
from apps.annotations.sections import REVIEW_SECTIONS, rendered
from apps.annotations.services import Decision, OwnWork, StatusConflict, add_comment, review_annotation
from apps.annotations.views import read_thread
from apps.articles.models import TEXT_FIELDS, WEIGHTY_FIELDS, Article, language_name, searchable
from apps.projects.admin import ProjectScopedAdmin
from apps.projects.models import Project
from apps.projects.permissions import deciding_own_work, project_ids
from apps.sources.models import Source


class AnyOf(models.Func):
    """`value = ANY(array)`: true when the array holds the value."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


class CappedPaginator(Paginator):
    """Counts no further than CAP rows: a page of a million annotations costs what a page of
    ten thousand does, and the list says "more than" instead of the exact number."""

    CAP = 10_000

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def count(self) -> int:
        return min(self.counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self.counted > self.CAP


DECISION_WORDS = {Decision.APPROVE: "approved", Decision.REJECT: "rejected", Decision.DRAFT: "sent back to draft"}


def named_articles(queryset):
    """Annotations with their articles read for their title and project, not their text or input."""
    return queryset.select_related("article").defer(*(f"article__{name}" for name in WEIGHTY_FIELDS))


class AnnotationChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # How many comments of each listed row are new to the reviewer, counted for the page's rows only.
        queryset = super().get_queryset(request, exclude_parameters).with_unread_count(request.user)
        return named_articles(queryset.with_attributions())


class ScopedFilter(admin.SimpleListFilter):
    """A filter whose choices are rows of the user's own projects only."""

    def choices_for(self, request) -> list[tuple]:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        # An action's POST builds the list's filters twice (the list, then the queryset the
        # action gets); the choices are read once per request.
        read = request.__dict__.setdefault("_scoped_filter_choices", {})
        if type(self) not in read:
            read[type(self)] = self.choices_for(request)
        return read[type(self)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in {str(key) for key, _ in self.lookup_choices}:
            return queryset.none()  # not one of the user's: nothing, rather than someone else's rows
        return self.filter(queryset, value)

    def filter(self, queryset, value):
        raise NotImplementedError


class ProjectFilter(ScopedFilter):
    title = "project"
    parameter_name = "project"

    def choices_for(self, request):
        return list(Project.objects.visible_to(request.user).values_list("pk", "name"))

    def filter(self, queryset, value):
        return queryset.filter(article__project_id=value)


class AuthorFilter(ScopedFilter):
    title = "author"
    parameter_name = "author"

    def choices_for(self, request):
        ids = project_ids(request.user)
        users = get_user_model().objects.order_by("username")
        if ids is not None:
            users = users.filter(memberships__project_id__in=ids).distinct()
        return list(users.values_list("pk", "username"))

    def filter(self, queryset, value):
        return queryset.filter(created_by_id=value)


class LanguageFilter(ScopedFilter):
    title = "language"
    parameter_name = "language"

    def choices_for(self, request):
        codes = Article.objects.visible_to(request.user).order_by().values_list("language", flat=True).distinct()
        return sorted(((code, language_name(code)) for code in codes), key=lambda choice: choice[1])

    def filter(self, queryset, value):
        return queryset.filter(article__language=value)


class SourceFilter(ScopedFilter):
    """The sources of the chosen project, or of the user's only project: the sources of many
    projects together would be a list of thousands."""

    title = "source"
    parameter_name = "source"

    def __init__(self, request, params, model, model_admin):
        # Read from the request: the project filter has taken its parameter out of `params`.
        self.project = request.GET.get(ProjectFilter.parameter_name)
        super().__init__(request, params, model, model_admin)

    def choices_for(self, request):
        sources = Source.objects.visible_to(request.user)
        ids = project_ids(request.user)
        if self.project and self.project.isdigit():
            sources = sources.filter(project_id=self.project)
        elif ids is None or len(ids) != 1:
            sources = sources.filter(pk__in=[self.value()] if self.value() and self.value().isdigit() else [])
        return list(sources.order_by("name", "pk").values_list("pk", "name"))

    def filter(self, queryset, value):
        return queryset.filter(Exists(Link.objects.filter(annotation=OuterRef("pk"), source_id=value)))


def listed_version_name(pk: int) -> str:
    return f"listed-version-{pk}"


def listed_versions(request) -> dict[int, int]:
    """The version of each row as the list page showed it, by primary key."""
    prefix = listed_version_name("")
    return {
        int(name.removeprefix(prefix)): int(value)
        for name, value in request.POST.items()
        if name.startswith(prefix) and name.removeprefix(prefix).isdecimal() and value.isdecimal()
    }


NO_REASON = "Say why they are rejected; the authors need the reason."


def own_work_skipped(count: int) -> str:
    """A bulk decision's word on the selected rows the user made themselves, which it left alone."""
    if count == 1:
        mine = "1 selected annotation is your own and was left as it was: another reviewer or manager decides on it"
    else:
        mine = (
            f"{count} selected annotations are your own and were left as they were: "
            "another reviewer or manager decides on them"
        )
    return f"{mine} (the project does not allow reviewers to decide on their own work)."


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="The authors see it.",
        error_messages={"required": NO_REASON},
    )


class BulkDecisionForm(forms.Form):
    """A decision on the rows checked in the queue, each made from the version the queue showed."""

    decision = forms.ChoiceField(choices=[(decision.value, decision.name.title()) for decision in Decision])
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        label="Reason (needed to reject; the authors read it)",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.REJECT and not data.get("reason"):
            self.add_error("reason", NO_REASON)
        return data


def selected_pks(request) -> list[int]:
    """The rows checked on the page (the admin's own checkbox name), ignoring anything not a number."""
    return sorted({int(pk) for pk in request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME) if pk.isdecimal()})


class ReadOnlyInline(admin.TabularInline):
    """Shown with its annotation to whoever may see that; changed only through the services."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("annotations.view_annotation", obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LinkInline(ReadOnlyInline):
    model = Link
    fields = ["role", "source_page", "note", "created_by", "created_at"]
    readonly_fields = fields

    @admin.display(description="Source")
    def source_page(self, link):
        return format_html('<a class="source-link" href="{}">{}</a>', link.source.get_absolute_url(), link.source)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "created_by")


@admin.register(Annotation)
class AnnotationAdmin(ProjectScopedAdmin):
    """Reviewers decide here, through the same services as the workbench; nothing is edited raw."""

    list_display = ["passage", "kind", "attributed_to", "status", "article", "created_by", "updated_at", "new_replies"]
    # Choices come from the user's projects (never a scan of a million annotations for them).
    list_filter = [
        ProjectFilter,
        "kind",
        "status",
        AuthorFilter,
        LanguageFilter,
        SourceFilter,
        ("updated_at", admin.DateFieldListFilter),
    ]
    # See get_search_results: the text, the note and the article's title, accents ignored.
    search_fields = ["exact", "note", "article__title"]
    search_help_text = "Words of the marked text, the note or the article's title; accents and case are ignored."
    list_select_related = ["article", "created_by"]
    ordering = ["-updated_at", "-id"]
    show_full_result_count = False
    paginator = CappedPaginator
    fields = [
        "article",
        "kind",
        "exact",
        "start",
        "end",
        "note",
        "tags",
        "status",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "reviewed_by",
        "reviewed_at",
        "version",
    ]
    readonly_fields = fields
    # The discussion has a section of its own (with its form), and the one history is the
    # database's (see history_events), on the page and behind its History button.
    inlines = [LinkInline]
    actions = ["approve", "reject", "send_back_to_draft"]

    def get_queryset(self, request):
        return super().get_queryset(request).live()

    def get_changelist(self, request, **kwargs):
        return AnnotationChangeList

    def get_search_results(self, request, queryset, search_term):
        """Every word must be in the text, the note or the article's title, accents and case
        ignored; trigram indexes on each answer it without reading every row."""
        for number, word in enumerate(search_term.split()):
            key = searchable(models.Value(word))
            titled = Article.objects.alias(key=searchable("title")).filter(key__contains=key).values("pk")
            # The matching articles' ids, found once (an array, not a subquery per row), so that
            # PostgreSQL can combine the three indexes for a rare word, or walk the list in its
            # order and stop at the page for a common one.
            in_titled = AnyOf(models.F("article_id"), ArraySubquery(titled))
            exact, note = f"search_exact_{number}", f"search_note_{number}"
            queryset = queryset.alias(**{exact: searchable("exact"), note: searchable("note")}).filter(
                models.Q(**{f"{exact}__contains": key}) | models.Q(**{f"{note}__contains": key}) | models.Q(in_titled)
            )
        return queryset, False

    @admin.display(description="Discussion")
    def new_replies(self, annotation):
        return f"{annotation.unread} new" if getattr(annotation, "unread", 0) else ""

    @admin.display(description="Speaker / claimant")
    def attributed_to(self, annotation):
        links = getattr(annotation, "attributions", ())
        return format_html_join(
            ", ",
            '<a class="source-link" href="{}">{}</a>',
            ((link.source.get_absolute_url(), link.source.name) for link in links),
        )

    @admin.display(description="Annotation", ordering="exact")
    def passage(self, annotation):
        """The marked words, cut on a word boundary so a list row stays one or two lines."""
        return Truncator(annotation.exact).words(12, truncate="…")

    def history_events(self, annotation) -> list:
        """The annotation's own changes with those of its links and comments."""
        return [
            annotation.history.all(),
            LinkHistory.objects.filter(annotation_id=annotation.pk),
            CommentHistory.objects.filter(annotation_id=annotation.pk),
        ]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="annotations_annotation_queue"),
            path("<int:pk>/decide/", view(self.decide_view), name="annotations_annotation_decide"),
            path("<int:pk>/comment/", view(self.comment_view), name="annotations_annotation_comment"),
            *super().get_urls(),
        ]

    def queue(self, request):
        """What waits for this reviewer: the submitted annotations of the projects they review, but
        their own (another reviewer decides on those, unless the project allows self-review), on
        the latest version of each text (an earlier version's were carried to it)."""
        return self.get_queryset(request).decidable_by(request.user).of_latest_versions().waiting_for_review()

    def queue_view(self, request):
        """What waits for the reviewer, with a decision on the rows they check (approve, reject
        with a reason, back to draft), each made from the version the page showed it at."""
        if not request.user.has_perm("annotations.review_annotation"):
            raise PermissionDenied("Only reviewers and managers have a review queue.")
        if request.method != "POST":
            return self.render_queue(request, BulkDecisionForm())
        form = BulkDecisionForm(request.POST)
        selected = selected_pks(request)
        if not selected:
            form.add_error(None, "Select the annotations to decide on first.")
        if not form.is_valid():
            return self.render_queue(request, form, selected=selected, status=422)
        # Rows gone from the user's reach since (deleted, or never theirs) are not decided.
        rows = self.get_queryset(request).filter(pk__in=selected).order_by("updated_at", "pk")
        self.decide(request, rows, form.cleaned_data["decision"], reason=form.cleaned_data["reason"], asked=selected)
        return redirect("admin:annotations_annotation_queue")

    def render_queue(self, request, form, *, selected=(), status=200):
        waiting = self.queue(request)
        by_project = list(waiting.values("article__project__name").annotate(count=Count("*")).order_by("-count"))
        paginator = Paginator(
            named_articles(waiting).select_related("article__project", "created_by").with_unread_count(request.user), 50
        )
        paginator.count = sum(row["count"] for row in by_project)  # counted once, per project
        context = {
            **self.admin_site.each_context(request),
            "title": "Waiting for me",
            "opts": self.opts,
            "page": paginator.get_page(request.GET.get("page")),
            "by_project": by_project,
            "by_analyst": waiting.values("created_by__username").annotate(count=Count("*")).order_by("-count"),
            "form": form,
            "selected": set(selected),
        }
        return TemplateResponse(request, "admin/annotations/annotation/queue.html", context, status=status)

    def get_object(self, request, object_id, from_field=None):
        """The annotation with the article and the people its page shows, in one query."""
        queryset = self.get_queryset(request).select_related("article", "created_by", "updated_by", "reviewed_by")
        # The passage needs the article's text, not the input it was imported from.
        queryset = queryset.defer(*(f"article__{name}" for name in set(WEIGHTY_FIELDS) - set(TEXT_FIELDS)))
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Annotation.DoesNotExist, ValidationError, ValueError):
            return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The review's sections beside the fields, from the annotation the admin read once; what
        the caller passed in (a comment form with its errors) stays."""
        if obj is not None:
            # Showing the page shows its discussion: what was new is read now.
            comments, unread = read_thread(request.user, obj)
            review = {
                "unread_count": unread,
                "comments": comments,
                "rejection": obj.rejection(),
                "may_comment": request.user.has_perm("annotations.comment_annotation", obj),
                "comment_form": CommentForm(),
                "passage": passage_html(obj),
                "may_review": request.user.has_perm("annotations.review_annotation", obj),
                "own_work": deciding_own_work(request.user, obj),
                "review_form": self.review_form(obj),
                "next_in_queue": self.queue(request).exclude(pk=obj.pk).values_list("pk", flat=True).first(),
                "sections": rendered(REVIEW_SECTIONS, request, obj),
            }
            context = {**review, **context}
        return super().render_change_form(request, context, add, change, form_url, obj)

    def comment_view(self, request, pk):
        """Add to the annotation's discussion from its page, through the workbench's service."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        annotation = get_object_or_404(self.get_queryset(request).select_related("article"), pk=pk)
        if not request.user.has_perm("annotations.comment_annotation", annotation):
            raise PermissionDenied("Only members of the project can discuss it.")
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                add_comment(annotation=annotation, user=request.user, body=form.cleaned_data["body"])
            except ValidationError as refusal:
                form.add_error("body", refusal)
            else:
                here = reverse("admin:annotations_annotation_change", args=[pk])
                return redirect(f"{here}#discussion")
        # The page again, with what was typed and the refusal beside it.
        shown = copy.copy(request)
        shown.method = "GET"
        response = self.change_view(shown, str(pk), extra_context={"comment_form": form})
        response.status_code = 422
        return response

    def review_form(self, annotation) -> ReviewForm:
        """The decision form with the cursor in its reason: type it, then Alt+R rejects (or Alt+A approves).
        It carries the version shown, which the decision is made from."""
        form = ReviewForm(initial={"version": annotation.version})
        form.fields["reason"].widget.attrs["autofocus"] = True
        return form

    def decide_view(self, request, pk):
        """Decide on one annotation from its page, then go on to the next that waits."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        annotation = get_object_or_404(self.get_queryset(request).select_related("article"), pk=pk)
        form = ReviewForm(request.POST)
        here = reverse("admin:annotations_annotation_change", args=[pk])
        if form.has_error("reason"):
            # The page again, with the reason's field marked and the refusal beside it.
            form.fields["reason"].widget.attrs["autofocus"] = True
            shown = copy.copy(request)
            shown.method = "GET"
            response = self.change_view(shown, str(pk), extra_context={"review_form": form})
            response.status_code = 422
            return response
        if not form.is_valid():
            self.message_user(request, "Choose approve, reject or back to draft.", messages.ERROR)
            return redirect(here)
        try:
            review_annotation(annotation=annotation, user=request.user, **form.review_args())
        except StatusConflict as conflict:
            # The page shows the annotation as it is now, with a form for deciding on that.
            self.message_user(request, str(conflict), messages.ERROR)
            return redirect(here)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return redirect(here)
        self.message_user(request, f"{annotation}: {annotation.get_status_display().lower()}.", messages.SUCCESS)
        following = self.queue(request).values_list("pk", flat=True).first()
        if following:
            return redirect("admin:annotations_annotation_change", following)
        return redirect("admin:annotations_annotation_queue")

    def has_add_permission(self, request):
        return False  # annotations are made on the text, in the workbench

    def has_change_permission(self, request, obj=None):
        # The change page only shows; the decisions are actions, checked row by row.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting is the workbench's (soft, with undo)

    def has_review_permission(self, request):
        return request.user.has_perm("annotations.review_annotation")

    def action_checkbox(self, annotation):
        """The row's checkbox, with the version the list shows: a bulk decision is made from it."""
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">',
            super().action_checkbox(annotation),
            listed_version_name(annotation.pk),
            annotation.version,
        )

    def decide(self, request, queryset, decision: Decision, reason: str = "", asked=None):
        """Decide on each row from the version the list showed it at, and say how it went: "2
        approved, 1 changed since you loaded the page", then what each changed one is now. Rows
        not on the page (all selected) are decided only while submitted; `asked` names the rows
        checked, to count those that were not found any more."""
        listed = listed_versions(request)
        done, already, found, conflicts, refused, own = 0, 0, 0, [], [], 0
        # One transaction, each decision in a savepoint of its own: a conflict leaves the others
        # as they are, and the batch is written to disk once rather than once per row.
        with transaction.atomic():
            for annotation in named_articles(queryset).select_related("article__project").prefetch_related(None):
                found += 1
                try:
                    decided = review_annotation(
                        annotation=annotation,
                        user=request.user,
                        decision=decision,
                        reason=reason,
                        seen_version=listed.get(annotation.pk),
                    )
                except OwnWork:
                    own += 1
                except StatusConflict as conflict:
                    conflicts.append(f"{quoted(annotation.exact, 40)}: {conflict}")
                except (PermissionDenied, ValidationError) as refusal:
                    why = " ".join(getattr(refusal, "messages", [str(refusal)]))
                    refused.append(f"{quoted(annotation.exact, 40)}: {why}")
                else:
                    done += decided
                    already += not decided
        outcome = DECISION_WORDS[Decision(decision)]
        gone = len(asked) - found if asked is not None else 0
        if gone:
            conflicts.append(f"{gone} of them {'is' if gone == 1 else 'are'} no longer there (deleted meanwhile).")
        changed = len(conflicts) - bool(gone) + gone
        if own:
            self.message_user(request, own_work_skipped(own), messages.WARNING)
        if already and not (done or changed or refused):
            self.message_user(request, f"Nothing changed: they were {outcome} already.", messages.INFO)
            return
        if own and not (done or changed or refused):
            return
        parts = [f"{done} {outcome}"]
        if changed:
            parts.append(f"{changed} changed since you loaded the page")
        if already:
            parts.append(f"{already} {outcome} already")
        if refused:
            parts.append(f"{len(refused)} refused")
        problems = conflicts + refused
        level = messages.WARNING if problems and done else messages.ERROR if problems else messages.SUCCESS
        self.message_user(request, ", ".join(parts) + ".", level)
        for detail in problems:
            self.message_user(request, detail, messages.WARNING if done else messages.ERROR)

    @admin.action(description="Approve the selected annotations", permissions=["review"])
    def approve(self, request, queryset):
        self.decide(request, queryset, Decision.APPROVE)

    @admin.action(description="Reject the selected annotations…", permissions=["review"])
    def reject(self, request, queryset):
        """Ask for the reason on a page of its own, then reject with it."""
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        listed = listed_versions(request)
        if form.is_bound and form.is_valid():
            self.decide(request, queryset, Decision.REJECT, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Why are these rejected?",
            "opts": self.opts,
            # Each with the version the list showed, which the rejection is made from.
            "annotations": [
                (annotation, listed.get(annotation.pk), listed_version_name(annotation.pk))
                for annotation in named_articles(queryset)
            ],
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        # Asked again without a reason: refused, with the field marked.
        status = 422 if form.is_bound else 200
        return TemplateResponse(request, "admin/annotations/annotation/reject.html", context, status=status)

    @admin.action(description="Send the selected annotations back to draft", permissions=["review"])
    def send_back_to_draft(self, request, queryset):
        self.decide(request, queryset, Decision.DRAFT)
