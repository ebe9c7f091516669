"""What the review page of an annotation shows of its counterparts: the other's passage, article
and status (with the reason of a rejection), so that a reviewer deciding one of a pair knows how
the other was decided. Added to the annotations' admin from here: annotations never import stories."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.annotations.admin import AnnotationAdmin, ReadOnlyInline
from apps.annotations.models import quoted
from apps.stories.models import Counterpart


class CounterpartInline(ReadOnlyInline):
    model = Counterpart
    fields = ["counterpart", "in_article", "counterpart_status"]
    readonly_fields = fields
    verbose_name = "counterpart in another version"
    verbose_name_plural = "counterparts in other versions"
    # The side of the pair the page's annotation is on; the other is shown.
    partner = "other"

    def get_queryset(self, request):
        return (
            Counterpart.objects.visible_to(request.user)
            .filter(**{f"{self.partner}__deleted_at__isnull": True})
            .select_related(f"{self.partner}__article", f"{self.partner}__reviewed_by")
        )

    def other_of(self, pair):
        return getattr(pair, self.partner)

    @admin.display(description="Passage")
    def counterpart(self, pair):
        other = self.other_of(pair)
        url = reverse("admin:annotations_annotation_change", args=[other.pk])
        return format_html('<a href="{}" dir="auto">{}</a>', url, quoted(other.exact, 120))

    @admin.display(description="Article")
    def in_article(self, pair):
        article = self.other_of(pair).article
        return f"{article.title} ({article.language})"

    @admin.display(description="Its status")
    def counterpart_status(self, pair):
        other = self.other_of(pair)
        status = other.get_status_display()
        if other.status in {other.Status.APPROVED, other.Status.REJECTED} and other.reviewed_by:
            status = f"{status} by {other.reviewed_by.get_username()}"
        if other.status == other.Status.REJECTED and (rejection := other.rejection()) and rejection.comment:
            return format_html('{}: <span dir="auto">{}</span>', status, rejection.comment)
        return status


class CounterpartFoundInline(CounterpartInline):
    fk_name = "annotation"
    partner = "other"


class CounterpartOfInline(CounterpartInline):
    fk_name = "other"
    partner = "annotation"


AnnotationAdmin.inlines = [*AnnotationAdmin.inlines, CounterpartFoundInline, CounterpartOfInline]
