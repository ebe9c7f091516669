import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from apps.projects.history import tracked
from apps.projects.permissions import project_ids
from apps.projects.roles import REVIEWING_ROLES, Role


class ProjectScopedQuerySet(models.QuerySet):
    """Rows that belong to a project, scoped by the one rule (see permissions.py)."""

    project_field = "project"

    def visible_to(self, user):
        """Rows of the projects where the user has a role (all of them for a superuser)."""
        return self.in_projects(user)

    def reviewable_by(self, user):
        """Rows of the projects where the user reviews or manages."""
        return self.in_projects(user, REVIEWING_ROLES)

    def in_projects(self, user, roles=None):
        ids = project_ids(user) if roles is None else project_ids(user, roles)
        return self if ids is None else self.filter(**{f"{self.project_field}__in": ids})


class ProjectQuerySet(ProjectScopedQuerySet):
    project_field = "pk"


@tracked("ProjectHistory")
class Project(models.Model):
    """An investigation: the unit that owns articles and sources and grants access."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    blind = models.BooleanField(
        default=False,
        help_text="Analysts see only their own annotations of an article until a reviewer marks it curated, "
        "so that their work, and the agreement between them, is independent.",
    )
    self_review = models.BooleanField(
        "reviewers decide on their own annotations",
        default=False,
        help_text="Off, a reviewer or manager never approves or rejects an annotation they made themselves: "
        "another reviewer does. Turn it on only for a project of one person.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@tracked("MembershipHistory")
class Membership(models.Model):
    Role = Role

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role, default=Role.ANALYST)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user_and_project"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} in {self.project}"


def project_of(row) -> int | None:
    """The id of the project a row belongs to: its own, or (annotations, links) its article's."""
    if isinstance(row, Project):
        return row.pk
    try:
        return row.project_id
    except ObjectDoesNotExist:  # a link or an annotation not yet given its article
        return None


def check_same_project(row, *fields: str) -> None:
    """The one rule of references: a row refers only to rows of its own project.

    Otherwise the users of one project would see the other's names and titles through it. The
    forms ask it through the models' clean(); the database refuses the same pairs from any other
    path (the migrations named "one_project"), and `database_refusal` words its refusals.
    """
    own = project_of(row)
    if own is None:
        return  # the project is still missing, and that is the form's first complaint
    errors = {}
    for name in fields:
        if getattr(row, row._meta.get_field(name).attname) is None:
            continue
        try:
            target = getattr(row, name)
        except ObjectDoesNotExist:
            continue  # no such row: the field's own validation says so
        if project_of(target) != own:
            errors[name] = f"Choose a {target._meta.verbose_name} of the same project as this {row._meta.verbose_name}."
    if errors:
        raise ValidationError(errors)


# The database's constraints and triggers that keep references within one project are named so.
CROSS_PROJECT = "That refers to a row outside this row's project; nothing was saved."
PROJECT_CHANGE = "A row never moves to another project; nothing was saved."


def database_refusal(error: Exception) -> str | None:
    """The user's words for the database's refusal of a tie between two projects, or None when
    `error` is another refusal (see check_same_project)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) or ""
    if constraint.endswith("_same_project"):
        return CROSS_PROJECT
    if constraint.endswith("_project_unchanged"):
        return PROJECT_CHANGE
    return None


INVITATION_LIFETIME = timedelta(days=7)
# Shown in the list of invitations to tell them apart; far too short to guess the rest from.
INVITATION_VISIBLE_CHARS = 8


def invitation_digest(secret: str) -> str:
    """The stored form of an invitation's secret. A plain hash suffices: the secret is random."""
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user):
        """Invitations are the managers' business: they decide who joins."""
        return self.managed_by(user)

    def managed_by(self, user):
        return self.in_projects(user, {Role.MANAGER})

    def pending(self):
        """Neither used, revoked nor expired (by the database's clock, as the claim that uses one)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=Now())

    def in_state(self, state: str):
        unused = self.filter(used_at__isnull=True, revoked_at__isnull=True)
        match state:
            case Invitation.State.PENDING:
                return self.pending()
            case Invitation.State.USED:
                return self.filter(used_at__isnull=False)
            case Invitation.State.REVOKED:
                return self.filter(revoked_at__isnull=False)
            case Invitation.State.EXPIRED:
                return unused.filter(expires_at__lte=Now())
        return self

    def with_secret(self, secret: str):
        return self.filter(digest=invitation_digest(secret))


class Invitation(models.Model):
    """A link through which one person joins a project with a role: single use, for a week.

    Only the digest of its secret is kept: the link is shown once, to the manager who made it.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        USED = "used"
        EXPIRED = "expired"
        REVOKED = "revoked"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role, default=Role.ANALYST)
    label = models.CharField(
        max_length=200, blank=True, help_text="Whom it is for (a name or e-mail address), to find it in the list."
    )
    visible_prefix = models.CharField(max_length=20, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The invitation speaks for its maker: an account deleted takes its invitations along.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="invitation_expires_after_creation"
            ),
            # Using and revoking each claim a pending invitation: never both.
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=False) | models.Q(used_by__isnull=True),
                name="invitation_used_by_only_once_used",
            ),
        ]

    def __str__(self):
        whom = f"“{self.label}”" if self.label else f"{self.visible_prefix}…"
        return f"Invitation {whom} to {self.project} as {self.get_role_display().lower()}"

    @classmethod
    def new_secret(cls) -> str:
        return secrets.token_urlsafe(32)

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def state_label(self) -> str:
        return self.State(self.state).label

    @property
    def pending(self) -> bool:
        return self.state == self.State.PENDING
