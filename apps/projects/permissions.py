"""Who may do what: the one rule, answered from the user's role in the object's project.

Everything asks it through Django's own `user.has_perm(perm, obj)` (this module registers the
rules; `rules.permissions.ObjectPermissionBackend` answers them), and lists are scoped by the
querysets' `visible_to(user)`, which read the same roles. Only superusers see every project;
being staff grants nothing.

An object names its project through `project_id` (a Project is its own project). A check
without an object ("may this user review at all?") is true when the user holds the role in
any project; the object check then decides row by row.
"""

import json
from functools import cache

import rules
from django.apps import apps as installed_apps
from django.contrib.auth.backends import ModelBackend, UserModel
from django.db import connection, connections, router
from django.db.models import F

from apps.projects.roles import REVIEWING_ROLES, Role


def roles_of(user) -> dict[int, str]:
    """Project id -> the user's role there; read once per user object, so once per request."""
    if not user.is_authenticated:
        return {}
    roles = getattr(user, "_project_roles", None)
    if roles is None:
        load_memberships(user)
        roles = user._project_roles
    return roles


def load_memberships(user) -> None:
    """Read the user's roles, and which of their projects are blind, in one query."""
    # Looked up, not imported: the models' querysets ask this module for their scope.
    memberships = installed_apps.get_model("projects", "Membership").objects
    rows = memberships.filter(user=user).values_list("project_id", "role", "project__blind")
    user._project_roles = {project_id: role for project_id, role, _ in rows}
    user._blind_projects = frozenset(project_id for project_id, _, blind in rows if blind)


def forget_roles(user) -> None:
    """Make the next check read the user's roles again (after their memberships changed)."""
    for cached in ("_project_roles", "_blind_projects"):
        try:
            delattr(user, cached)
        except AttributeError:
            pass


def blinded_project_ids(user) -> frozenset[int]:
    """The projects where the user sees only their own annotations on articles not yet curated:
    blind projects where they are an analyst. Reviewers and managers see everyone's work, and
    so does everyone once a reviewer marks an article curated (see `sees_annotation`)."""
    if not user.is_authenticated or (user.is_active and user.is_superuser):
        return frozenset()
    roles = roles_of(user)
    blind = getattr(user, "_blind_projects", None)
    if blind is None:
        load_memberships(user)
        roles, blind = user._project_roles, user._blind_projects
    return frozenset(project_id for project_id in blind if roles.get(project_id) not in REVIEWING_ROLES)


def project_ids(user, roles=frozenset(Role)) -> list[int] | None:
    """Ids of the projects where the user holds one of `roles`; None means every project."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return [project_id for project_id, role in roles_of(user).items() if role in roles]


def members_of(project):
    """The users who hold a role in `project`, each with it as `role`: the rule
    articles.works_on_article (who may be given the project's articles) for many users at once."""
    return UserModel.objects.filter(memberships__project=project).annotate(role=F("memberships__role"))


def role_in(user, obj) -> str | None:
    if obj is None:
        return None
    project_id = obj.pk if obj._meta.label == "projects.Project" else obj.project_id
    return roles_of(user).get(project_id)


@rules.predicate
def is_member(user, obj) -> bool:
    if obj is None:
        return bool(roles_of(user))
    return role_in(user, obj) is not None


@rules.predicate
def is_reviewer(user, obj) -> bool:
    if obj is None:
        return any(role in REVIEWING_ROLES for role in roles_of(user).values())
    return role_in(user, obj) in REVIEWING_ROLES


@rules.predicate
def is_manager(user, obj) -> bool:
    if obj is None:
        return Role.MANAGER in roles_of(user).values()
    return role_in(user, obj) == Role.MANAGER


@rules.predicate
def is_author(user, obj) -> bool:
    return obj is not None and obj.created_by_id == user.pk


@rules.predicate
def sees_annotation(user, annotation) -> bool:
    """Blind mode: an analyst of a blind project sees another analyst's annotation only once its
    article is curated. The querysets' `visible_to` states the same for many rows."""
    if annotation is None:
        return True
    article = annotation.article
    return (
        annotation.created_by_id == user.pk
        or article.curated_at is not None
        or article.project_id not in blinded_project_ids(user)
    )


@rules.predicate
def sees_claim(user, claim) -> bool:
    """Blind mode for claims: an analyst of a blind project sees a claim they made, or one with
    an appearance they may see (Claim.objects.visible_to states the same for many rows)."""
    if claim is None or claim._meta.label != "claims.Claim":
        return True
    if claim.project_id not in blinded_project_ids(user) or claim.created_by_id == user.pk:
        return True
    return type(claim).objects.visible_to(user).filter(pk=claim.pk).exists()


@rules.predicate
def decides_on_others_work(user, obj) -> bool:
    """Separation of duties: nobody approves or rejects an annotation they made, unless its
    project allows it (Project.self_review, for a project of one person). Only an annotation's
    own author is asked about the project's setting. The querysets' `decidable_by` states the
    same for many rows."""
    if obj is None or obj._meta.label != "annotations.Annotation" or obj.created_by_id != user.pk:
        return True
    return obj.article.project.self_review


def deciding_own_work(user, annotation) -> bool:
    """Whether the user reviews the annotation's project and is refused a decision on it only
    because they made it: what a refusal, a list or a page then says. Superusers hold every
    permission (Django grants it them), this one too."""
    if user.is_active and user.is_superuser:
        return False
    return is_reviewer(user, annotation) and not decides_on_others_work(user, annotation)


superuser = rules.is_superuser

# The admin is the review desk: reviewers and managers use it, analysts work in the workbench.
rules.add_perm("projects.use_admin", superuser | is_reviewer)

rules.add_perm("projects.view_project", superuser | is_member)
rules.add_perm("projects.add_project", superuser)
rules.add_perm("projects.change_project", superuser | is_manager)
rules.add_perm("projects.delete_project", superuser)
rules.add_perm("projects.manage_members", superuser | is_manager)
rules.add_perm("projects.view_membership", superuser | is_reviewer)
for action in ("add", "change", "delete"):
    rules.add_perm(f"projects.{action}_membership", superuser | is_manager)
# Invitations bring people in, so they are the managers' as the members are; changing one is
# revoking it. None is ever deleted: it records who let whom in.
for action in ("view", "add", "change"):
    rules.add_perm(f"projects.{action}_invitation", superuser | is_manager)

rules.add_perm("sources.view_source", superuser | is_member)
rules.add_perm("sources.add_source", superuser | is_member)
rules.add_perm("sources.change_source", superuser | is_member)
rules.add_perm("sources.delete_source", superuser | is_manager)
# Merging two sources (and undoing a merge) moves every annotation's link from one to the other.
rules.add_perm("sources.merge_source", superuser | is_manager)

# Importing, with the project as the object: every member brings in articles.
rules.add_perm("articles.add_article", superuser | is_member)
rules.add_perm("articles.view_article", superuser | is_member)
# Metadata and stories; the text itself never changes.
rules.add_perm("articles.change_article", superuser | is_member)
rules.add_perm("articles.delete_article", superuser | is_manager)
rules.add_perm("articles.view_story", superuser | is_member)
rules.add_perm("articles.change_story", superuser | is_member)
# Reviewers and managers hand out the project's articles to its members.
rules.add_perm("articles.assign_article", superuser | is_reviewer)
# Who may be given an article, and who marks their own work on it done: any member, and only a
# member, superusers too. A rule, not a permission, since Django grants a superuser every
# permission whatever the rules say (and the database refuses non-members' rows).
rules.add_rule("articles.works_on_article", is_member)
# The curated mark ends blind mode for an article: a reviewer's word that it was reconciled.
rules.add_perm("articles.curate_article", superuser | is_reviewer)

rules.add_perm("annotations.view_annotation", superuser | (is_member & sees_annotation))
rules.add_perm("annotations.add_annotation", superuser | is_member)
# Analysts change (and submit, delete, link) their own annotations; reviewers and managers any.
rules.add_perm("annotations.change_annotation", superuser | (is_member & (is_author | is_reviewer)))
rules.add_perm("annotations.delete_annotation", superuser | (is_member & (is_author | is_reviewer)))
# A submission not yet decided is taken back by its author only (a reviewer sends it back to draft).
rules.add_perm("annotations.withdraw_annotation", superuser | (is_member & is_author))
# Approving and rejecting is never the analysts' part, not even for their own annotations; and
# reviewers decide on the others' work, not their own (unless the project allows self-review).
rules.add_perm("annotations.review_annotation", superuser | (is_reviewer & decides_on_others_work))

# Everyone on the project discusses the annotations they see.
rules.add_perm("annotations.comment_annotation", superuser | (is_member & sees_annotation))

# Claims, with the project or the claim as the object: analysts create claims and attach their
# appearances; reviewers and managers judge them.
rules.add_perm("claims.view_claim", superuser | (is_member & sees_claim))
rules.add_perm("claims.add_claim", superuser | is_member)
rules.add_perm("claims.change_claim", superuser | (is_member & sees_claim))
rules.add_perm("claims.add_appearance", superuser | (is_member & sees_claim))
rules.add_perm("claims.set_verdict", superuser | is_reviewer)

rules.add_perm("imports.view_importjob", superuser | is_member)
rules.add_perm("exports.export_project", superuser | is_member)

# A project's agreement between analysts, its curation and its dashboard: the review desk's view
# of how the team works, for those who decide on the work.
rules.add_perm("review.view_agreement", superuser | is_reviewer)
rules.add_perm("review.view_dashboard", superuser | is_reviewer)
rules.add_perm("review.view_progress", superuser | is_reviewer)

# Annotations carried to a new version of an article other than exactly: reviewers and managers
# confirm, adjust or drop them (adding a version is importing: articles.add_article).
rules.add_perm("stories.review_anchoring", superuser | is_reviewer)


class PasswordBackend(ModelBackend):
    """Check user names and passwords, and grant nothing: every permission comes from the rules
    above (and superusers have them all), so no table of per-user permissions is ever read."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def get_user(self, user_id):
        """The signed-in user of a request with their roles, in one query instead of two.

        Every request makes it, so it is SQL written once per process rather than a queryset
        compiled each time (the compiling cost more than the query).
        """
        with connections[router.db_for_read(UserModel)].cursor() as cursor:
            cursor.execute(user_with_roles_sql(), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        *values, roles, blind = row
        user = UserModel.from_db(cursor.db.alias, user_fields(), values)
        if not self.user_can_authenticate(user):
            return None
        # Django's connection hands JSON over as text, for its JSONField to decode.
        user._project_roles = {int(project): role for project, role in json.loads(roles or "{}").items()}
        user._blind_projects = frozenset(json.loads(blind or "[]"))
        return user


@cache
def user_fields() -> list[str]:
    return [field.attname for field in UserModel._meta.concrete_fields]


@cache
def user_with_roles_sql() -> str:
    """One user's row, a JSON object of project id -> role and a JSON array of their blind projects."""
    user = UserModel._meta
    membership = installed_apps.get_model("projects", "Membership")._meta
    project = installed_apps.get_model("projects", "Project")._meta
    quote = connection.ops.quote_name

    def column(meta, field: str) -> str:
        return quote(meta.get_field(field).column)

    columns = ", ".join(f"u.{quote(field.column)}" for field in user.concrete_fields)
    roles = (
        f"SELECT jsonb_object_agg(m.{column(membership, 'project')}, m.{column(membership, 'role')})"
        f" FROM {quote(membership.db_table)} m WHERE m.{column(membership, 'user')} = u.{quote(user.pk.column)}"
    )
    blind = (
        f"SELECT jsonb_agg(m.{column(membership, 'project')})"
        f" FROM {quote(membership.db_table)} m JOIN {quote(project.db_table)} p"
        f" ON p.{quote(project.pk.column)} = m.{column(membership, 'project')}"
        f" WHERE m.{column(membership, 'user')} = u.{quote(user.pk.column)} AND p.{column(project, 'blind')}"
    )
    return f"SELECT {columns}, ({roles}), ({blind}) FROM {quote(user.db_table)} u WHERE u.{quote(user.pk.column)} = %s"
