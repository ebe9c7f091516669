"""Claims in the review desk: a list of the user's projects' claims with their verdicts, and each
claim's page with its appearances and the history the database keeps of it and of them. Read
only: wordings, verdicts and appearances change on the claim page and in the workbench, through
the claim services. The admin is the reviewers' and managers', whom blind mode hides nothing from,
so a claim's appearances are those of the latest versions, not narrowed further."""

from django.apps import apps
from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.annotations.models import quoted
from apps.claims.models import SEEN_ON, Appearance, Claim
from apps.projects.admin import ProjectScopedAdmin

# The appearances a claim's page lists; the claim page itself pages through all of them.
APPEARANCES_SHOWN = 100


@admin.register(Claim)
class ClaimAdmin(ProjectScopedAdmin):
    list_display = ["shown_wording", "project", "language", "verdict", "verdict_by", "appearance_count", "created_at"]
    list_filter = ["verdict", "language", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["wording", "rationale"]
    list_select_related = ["project", "verdict_by", "created_by"]
    fields = [
        "shown_wording",
        "project",
        "language",
        "verdict",
        "rationale",
        "verdict_by",
        "verdict_at",
        "created_by",
        "created_at",
        "appearances_shown",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        counted = (
            Appearance.objects.live()
            .of_latest_versions()
            .filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(appearances_seen=Coalesce(Subquery(counted), 0))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Claim", ordering="wording")
    def shown_wording(self, claim):
        return format_html('<span dir="auto">{}</span>', quoted(claim.wording, 120))

    @admin.display(description="Appearances", ordering="appearances_seen")
    def appearance_count(self, claim):
        return claim.appearances_seen

    @admin.display(description="Appearances, oldest first")
    def appearances_shown(self, claim):
        rows = (
            Appearance.objects.filter(claim=claim)
            .live()
            .of_latest_versions()
            .first_seen_first()
            .annotate(seen_on=SEEN_ON)
            .values_list("annotation_id", "annotation__exact", "annotation__article__title", "seen_on")[
                :APPEARANCES_SHOWN
            ]
        )
        if not rows:
            return "None you may see."
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li><a href="{}" dir="auto">{}</a> in <span dir="auto">{}</span>, {}</li>',
                (
                    (reverse("admin:annotations_annotation_change", args=[pk]), quoted(exact, 120), title, seen)
                    for pk, exact, title, seen in rows
                ),
            ),
        )

    def history_events(self, claim) -> list:
        """The claim's own changes and those of its appearances (attached, detached, moved)."""
        appearance_history = apps.get_model("claims", "AppearanceHistory")
        return [claim.history.all(), appearance_history.objects.filter(claim_id=claim.pk)]
