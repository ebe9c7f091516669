from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from apps.projects.history import timeline
from apps.projects.models import (
    Invitation,
    Membership,
    MembershipHistory,
    Project,
    ProjectHistory,
    database_refusal,
    project_of,
)
from apps.projects.roles import Role
from apps.projects.services import (
    InvitationGone,
    add_member,
    change_role,
    check_a_manager_remains,
    create_invitation,
    remove_member,
    revoke_invitation,
    update_project,
)


def admin_site_permission(request) -> bool:
    """Reviewers and managers use the admin for their projects; being staff is not needed."""
    user = request.user
    return user.is_active and user.has_perm("projects.use_admin")


# The admin asks the one rule instead of `is_staff` (see permissions.py).
admin.site.has_permission = admin_site_permission
admin.site.site_header = "Sourcetrace review"
admin.site.site_title = "Sourcetrace review"
admin.site.index_title = "Review desk"


def belongs_to_a_project(model) -> bool:
    return any(field.name == "project" for field in model._meta.concrete_fields)


class SameProjectAutocomplete(AutocompleteSelect):
    """The type-ahead of a reference, asking for rows of the edited row's project only."""

    def __init__(self, autocomplete: AutocompleteSelect, project_id: int):
        super().__init__(autocomplete.field, autocomplete.admin_site, autocomplete.attrs, using=autocomplete.db)
        self.project_id = project_id

    def get_url(self):
        return f"{super().get_url()}?project={self.project_id}"


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

    def history_view(self, request, object_id, extra_context=None):
        """The History button shows the history the database's triggers wrote, the same as the
        page's own, instead of the admin's log (which knows only what was saved in the admin)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            "change_history": timeline(*self.history_events(obj)),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/recorded_history.html", context)

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

    def get_readonly_fields(self, request, obj=None):
        """A row never moves to another project (the database refuses it too)."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and belongs_to_a_project(self.model) and "project" not in fields:
            fields.append("project")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        """A row refers only to rows of its own project: the choices of a row's page are of its
        project, so that another project's rows are neither offered nor accepted. A new row's
        choices cannot know the project chosen beside them; its model's clean() refuses a mix."""
        form = super().get_form(request, obj, change=change, **kwargs)
        project_id = project_of(obj) if obj is not None else None
        if project_id is None:
            return form
        for field in form.base_fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not belongs_to_a_project(queryset.model):
                continue
            wrapper = field.widget
            if isinstance(getattr(wrapper, "widget", None), AutocompleteSelect):
                wrapper.widget = SameProjectAutocomplete(wrapper.widget, project_id)
            field.queryset = queryset.filter(project_id=project_id)
        return form

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        project = request.GET.get("project", "")
        if request.resolver_match.url_name == "autocomplete" and project.isdigit():
            queryset = queryset.filter(project_id=project)  # see SameProjectAutocomplete
        return queryset, may_have_duplicates

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Say what the database refused, should a write tie two projects together after all: the
        change was rolled back whole."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            refusal = database_refusal(error)
            if refusal is None:
                raise
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


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
    list_display = ["name", "blind", "self_review", "created_at"]
    fields = ["name", "description", "blind", "self_review"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def history_events(self, project) -> list:
        """Its settings' changes (blind mode and self-review among them), and who joined, changed role and left,
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


class InvitationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Invitation.State.choices

    def queryset(self, request, queryset):
        return queryset.in_state(self.value()) if self.value() else queryset


@admin.register(Invitation)
class InvitationAdmin(ProjectScopedAdmin):
    """Managers invite people to their projects; the link is shown once, right after it is made.

    An invitation is never edited nor deleted (it records who let whom in); revoking it is a
    page of its own, which asks first.
    """

    list_display = ["whom", "state_shown", "revoke_link", "project", "role", "expires", "created_by", "created"]
    list_filter = [InvitationStateFilter, ("project", admin.RelatedOnlyFieldListFilter), "role"]
    list_select_related = ["project", "created_by"]
    search_fields = ["label"]
    fields = ["project", "role", "label"]
    shown_fields = [
        *fields,
        "visible_prefix",
        "created_by",
        "created_at",
        "expires_at",
        "state_shown",
        "used_by",
        "used_at",
        "revoked_by",
        "revoked_at",
    ]
    change_form_template = "admin/projects/invitation/change_form.html"

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.in_projects(request.user, {Role.MANAGER})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "project" not in initial:
            managed = list(Project.objects.in_projects(request.user, {Role.MANAGER}).values_list("pk", flat=True)[:2])
            if len(managed) == 1:
                initial["project"] = managed[0]
        return initial

    @admin.display(description="for", ordering="label")
    def whom(self, invitation):
        return invitation.label or f"{invitation.visible_prefix}…"

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, invitation):
        return f"{invitation.expires_at:%Y-%m-%d %H:%M}"

    @admin.display(description="created", ordering="created_at")
    def created(self, invitation):
        return f"{invitation.created_at:%Y-%m-%d %H:%M}"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Invitations", **(extra_context or {})})

    @admin.display(description="state")
    def state_shown(self, invitation):
        return invitation.state_label

    @admin.display(description="")
    def revoke_link(self, invitation):
        if not invitation.pending:
            return ""
        url = reverse("admin:projects_invitation_revoke", args=[invitation.pk])
        return format_html('<a href="{}">Revoke…</a>', url)

    def add_view(self, request, form_url="", extra_context=None):
        response = super().add_view(request, form_url, extra_context)
        if request.method == "POST" and getattr(response, "context_data", {}).get("errors"):
            response.status_code = 422
        return response

    def save_model(self, request, obj, form, change):
        """Made by the service, which keeps only the digest; the link lives on this object until shown."""
        invitation, secret = create_invitation(project=obj.project, role=obj.role, label=obj.label, by=request.user)
        obj.pk = invitation.pk
        obj.refresh_from_db()
        obj.link = request.build_absolute_uri(reverse("invitations:accept", args=[secret]))

    def response_add(self, request, obj, post_url_continue=None):
        # Rendered, not redirected to: the link must never be stored, not even in a message.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Invitation link",
            "invitation": obj,
            "link": obj.link,
        }
        return TemplateResponse(request, "admin/projects/invitation/created.html", context, status=201)

    def get_urls(self):
        revoke = self.admin_site.admin_view(self.revoke_view)
        return [path("<path:object_id>/revoke/", revoke, name="projects_invitation_revoke"), *super().get_urls()]

    def revoke_view(self, request, object_id):
        invitation = self.get_object(request, object_id)
        if invitation is None:
            raise Http404("No such invitation in your projects.")
        if not request.user.has_perm("projects.change_invitation", invitation):
            raise PermissionDenied("Only the project's managers revoke its invitations.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Revoke the invitation?",
            "invitation": invitation,
        }
        if request.method == "POST":
            try:
                revoke_invitation(invitation=invitation, by=request.user)
            except InvitationGone as gone:
                context["refusal"] = f"{gone} Nothing was changed."
                return TemplateResponse(request, "admin/projects/invitation/revoke.html", context, status=409)
            messages.success(request, f"{invitation} is revoked: its link no longer works.")
            return redirect("admin:projects_invitation_changelist")
        revocable = invitation.used_at is None and invitation.revoked_at is None
        return TemplateResponse(
            request, "admin/projects/invitation/revoke.html", context, status=200 if revocable else 409
        )


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

    def lookup_allowed(self, lookup, value, request):
        """No filter of the list by a query string for a manager: Django's admin accepts any field
        of the model itself (`?is_superuser=1`, `?email__startswith=a`), and whether a name then
        stays listed would tell what the manager may not see. Refused with 400."""
        return request.user.is_superuser and super().lookup_allowed(lookup, value, request)

    def get_sortable_by(self, request):
        return super().get_sortable_by(request) if request.user.is_superuser else ["username"]

    def get_ordering(self, request):
        return super().get_ordering(request) if request.user.is_superuser else ["username"]

    def get_search_results(self, request, queryset, search_term):
        """A manager finds a person by typing part of their user name (three letters at least) and
        sees the names only: the site's accounts are never listed to them whole."""
        if request.user.is_superuser:
            return super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) < 3:
            return queryset.none(), False
        return queryset.filter(username__icontains=term), False
