from django.contrib import admin, messages

from apps.annotations.models import Annotation, AnnotationEvent, Link
from apps.annotations.services import review_annotation


class LinkInline(admin.TabularInline):
    model = Link
    extra = 0
    autocomplete_fields = ["source"]
    readonly_fields = ["created_by", "created_at"]


class EventInline(admin.TabularInline):
    model = AnnotationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "comment", "state"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "article", "created_by", "created_at"]
    list_filter = ["status", "kind", "article__project", "created_by"]
    search_fields = ["exact", "note", "article__title"]
    list_select_related = ["article", "created_by"]
    readonly_fields = [
        "article",
        "start",
        "end",
        "exact",
        "prefix",
        "suffix",
        "created_by",
        "created_at",
        "updated_at",
        "updated_by",
        "reviewed_by",
        "reviewed_at",
        "version",
        "deleted_at",
    ]
    inlines = [LinkInline, EventInline]
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).live()

    @admin.action(description="Approve the selected annotations")
    def approve(self, request, queryset):
        for annotation in queryset:
            review_annotation(annotation=annotation, user=request.user, approve=True)
        self.message_user(request, f"{queryset.count()} approved.", messages.SUCCESS)

    @admin.action(description="Reject the selected annotations")
    def reject(self, request, queryset):
        for annotation in queryset:
            review_annotation(annotation=annotation, user=request.user, approve=False)
        self.message_user(request, f"{queryset.count()} rejected.", messages.SUCCESS)
