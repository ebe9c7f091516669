from django.contrib import admin

from apps.articles.models import Article, Story


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "project", "publisher", "published_on", "imported_at"]
    list_filter = ["language", "project"]
    search_fields = ["title", "url", "author"]
    readonly_fields = ["text", "content_hash", "original_name", "original_format", "imported_by", "imported_at"]
    exclude = ["fingerprint", "headings"]
    list_select_related = ["project", "publisher"]
    autocomplete_fields = ["publisher"]
    raw_id_fields = ["story", "replaces"]

    def get_readonly_fields(self, request, obj=None):
        # The text is only typed in when adding; once stored, offsets point into it.
        return self.readonly_fields if obj else [f for f in self.readonly_fields if f != "text"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "created_at"]
    search_fields = ["title"]
