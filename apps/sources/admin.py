from django.contrib import admin

from apps.projects.admin import ProjectScopedAdmin
from apps.sources.models import Source
from apps.sources.services import save_source


@admin.register(Source)
class SourceAdmin(ProjectScopedAdmin):
    list_display = ["name", "kind", "project", "affiliation"]
    list_filter = ["kind", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "aliases", "description"]
    autocomplete_fields = ["affiliation"]
    list_select_related = ["project", "affiliation"]

    def save_model(self, request, obj, form, change):
        save_source(source=obj, user=request.user)
