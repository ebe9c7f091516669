from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms.models import BaseInlineFormSet

from apps.projects.history import timeline
from apps.projects.models import Membership, MembershipHistory, Project, ProjectHistory
from apps.projects.services import add_member, change_role, check_a_manager_remains, remove_member, update_project


def admin_site_permission(request) -> bool:
    """Reviewers and managers use the admin for their projects; being staff is not needed."""
    user = request.user
    return user.is_active and user.has_perm("projects.use_admin")


# The admin asks the one rule instead of `is_staff` (see permissions.py).
admin.site.has_permission = admin_site_permission
admin.site.site_header = "Sourcetrace review"
admin.site.site_title = "Sourcetrace review"
admin.site.index_title = "Review desk"


class ProjectScopedAdmin(admin.ModelAdmin):
    """Rows of the user's own projects only, every permission asked of the one rule.

    `model_perm` builds "app.action_model"; without an object the rule answers whether the
    user may do it in any project, and the queryset keeps them to those projects.
    """

    def model_perm(self, action: str) -> str:
        return f"{self.opts.app_label}.{action}_{self.opts.model_name}"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.has_perm("projects.use_admin")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("projects.use_admin") and request.user.has_perm(self.model_perm("view"), obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("projects.use_admin") and request.user.has_perm(self.model_perm("change"), obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("projects.use_admin") and request.user.has_perm(self.model_perm("delete"), obj)

    def has_add_permission(self, request):
        return request.user.has_perm("projects.use_admin") and request.user.has_perm(self.model_perm("add"))

    def history_events(self, obj) -> list:
        """Querysets of the recorded changes the object's page shows (pghistory's event rows)."""
        return [obj.history.all()] if hasattr(obj, "history") else []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Read-only whatever the user's role: the history is written by database triggers only.
        if obj is not None and obj.pk is not None:
            context["change_history"] = timeline(*self.history_events(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices for a project, or a row of a project, come from the user's projects only."""
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        kept = [
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("user")
        ]
        check_a_manager_remains(kept)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("projects.view_project", obj)

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("projects.manage_members", obj)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(Project)
class ProjectAdmin(ProjectScopedAdmin):
    list_display = ["name", "blind", "created_at"]
    fields = ["name", "description", "blind"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def history_events(self, project) -> list:
        """Its settings' changes (blind mode among them), and who joined, changed role and left,
        kept after the membership itself is gone."""
        return [
            ProjectHistory.objects.filter(pgh_obj_id=project.pk),
            MembershipHistory.objects.filter(project_id=project.pk),
        ]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        update_project(project=obj, user=request.user, fields=form.changed_data)

    def save_formset(self, request, form, formset, change):
        """Members are added, re-roled and removed through the project services."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        project = form.instance
        formset.save(commit=False)
        # New managers first, departures last: each step keeps a manager, as the whole change does.
        for membership in formset.new_objects:
            add_member(project=project, user=membership.user, role=membership.role, by=request.user)
        changed = sorted(formset.changed_objects, key=lambda change: change[0].role != Membership.Role.MANAGER)
        for membership, _ in changed:
            change_role(project=project, user=membership.user, role=membership.role, by=request.user)
        for membership in formset.deleted_objects:
            remove_member(project=project, user=membership.user, by=request.user)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(BaseUserAdmin):
    """Superusers manage accounts; a manager may only look people up by name to add them."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def get_list_display_links(self, request, list_display):
        # A manager's list is for looking names up: the account pages are the superusers'.
        return super().get_list_display_links(request, list_display) if request.user.is_superuser else None

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or (obj is None and request.user.has_perm("projects.manage_members"))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_list_display(self, request):
        return super().get_list_display(request) if request.user.is_superuser else ["username"]

    def get_list_filter(self, request):
        return super().get_list_filter(request) if request.user.is_superuser else []

    def get_search_results(self, request, queryset, search_term):
        """A manager finds a person by typing part of their user name (three letters at least) and
        sees the names only: the site's accounts are never listed to them whole."""
        if request.user.is_superuser:
            return super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) < 3:
            return queryset.none(), False
        return queryset.filter(username__icontains=term), False
