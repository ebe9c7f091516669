from django.contrib import admin

from apps.sources.models import Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "project", "affiliation"]
    list_filter = ["kind", "project"]
    search_fields = ["name", "aliases", "description"]
    autocomplete_fields = ["affiliation"]
    list_select_related = ["project", "affiliation"]
