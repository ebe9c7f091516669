from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

from apps.articles.models import Article, Story
from apps.articles.services import mark_curated, update_article
from apps.projects.admin import ProjectScopedAdmin


@admin.register(Article)
class ArticleAdmin(ProjectScopedAdmin):
    list_display = ["title", "language", "project", "publisher", "published_on", "imported_at", "curated_at"]
    list_filter = [
        "language",
        ("project", admin.RelatedOnlyFieldListFilter),
        ("curated_at", admin.EmptyFieldListFilter),
    ]
    actions = ["mark_curated", "mark_not_curated"]
    search_fields = ["title__unaccent__icontains", "url", "author__unaccent__icontains"]
    fields = [
        "project",
        "title",
        "url",
        "author",
        "publisher",
        "published_on",
        "story",
        "language",
        "text_length",
        "content_hash",
        "original_name",
        "original_format",
        "imported_by",
        "imported_at",
        "curated_at",
        "curated_by",
        "text",
    ]
    # The text, and everything derived from it, never changes: offsets point into it.
    # The detected language may be corrected (see articles:details); the text may not.
    readonly_fields = [
        "project",
        "text",
        "text_length",
        "content_hash",
        "original_name",
        "original_format",
        "imported_by",
        "imported_at",
        # Set and unset by the actions (and the curation page), through the one service.
        "curated_at",
        "curated_by",
    ]
    list_select_related = ["project", "publisher"]
    # Type-aheads of the article's own project (see ProjectScopedAdmin.get_form).
    autocomplete_fields = ["publisher", "story"]

    def add_view(self, request, form_url="", extra_context=None):
        """Articles come in through the import, which normalises, hashes and checks them."""
        return redirect(reverse("imports:new"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Adding leads to the import page, so "save and add another" would lead there too.
        context["show_save_and_add_another"] = False
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        update_article(article=obj, user=request.user, fields=form.changed_data)

    def curate(self, request, queryset, *, curated: bool) -> None:
        marked = 0
        for article in queryset.only("pk", "project_id"):
            if request.user.has_perm("articles.curate_article", article):
                mark_curated(article=article, user=request.user, curated=curated)
                marked += 1
        refused = queryset.count() - marked
        state = "curated" if curated else "not curated"
        self.message_user(request, f"{marked} article(s) marked {state}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"{refused} left as they were: only reviewers and managers mark curated.", messages.WARNING
            )

    @admin.action(description="Mark curated (analysts of a blind project then see each other's annotations)")
    def mark_curated(self, request, queryset):
        self.curate(request, queryset, curated=True)

    @admin.action(description="Mark not curated")
    def mark_not_curated(self, request, queryset):
        self.curate(request, queryset, curated=False)


@admin.register(Story)
class StoryAdmin(ProjectScopedAdmin):
    list_display = ["title", "project", "created_at"]
    search_fields = ["title"]
