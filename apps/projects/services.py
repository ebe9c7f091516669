import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils import timezone

from apps.projects.models import (
    INVITATION_LIFETIME,
    INVITATION_VISIBLE_CHARS,
    Invitation,
    Membership,
    Project,
    invitation_digest,
)
from apps.projects.permissions import forget_roles


def require_manager(by, project: Project) -> None:
    """`by` None is the operator at the command line, who holds the server and needs no role."""
    if by is not None and not by.has_perm("projects.manage_members", project):
        raise PermissionDenied("Only the project's managers change its members.")


def add_member(*, project: Project, user, role: str, by) -> Membership:
    """Give `user` a role in `project`; `by` must manage it."""
    require_manager(by, project)
    with transaction.atomic():
        membership = Membership.objects.create(project=project, user=user, role=Membership.Role(role))
    forget_roles(user)
    return membership


def change_role(*, project: Project, user, role: str, by) -> None:
    require_manager(by, project)
    others = project.memberships.exclude(user=user).values_list("role", flat=True)
    check_a_manager_remains([*others, role])
    Membership.objects.filter(project=project, user=user).update(role=Membership.Role(role))
    forget_roles(user)


def remove_member(*, project: Project, user, by) -> None:
    require_manager(by, project)
    check_a_manager_remains(list(project.memberships.exclude(user=user).values_list("role", flat=True)))
    Membership.objects.filter(project=project, user=user).delete()
    forget_roles(user)


LAST_MANAGER = "A project needs a manager: make someone else its manager first."


def check_a_manager_remains(roles_after: list[str]) -> None:
    """Refuse a change of members that would leave the project without a manager: nobody but a
    superuser could add members or change roles any more."""
    if Membership.Role.MANAGER not in roles_after:
        raise ValidationError(LAST_MANAGER)


class InvitationGone(Exception):
    """The invitation can no longer be used; the message says why, for the person holding it."""


class AlreadyMember(Exception):
    """The person accepting an invitation already has a role in its project, which stays as it is."""

    def __init__(self, membership: Membership):
        self.membership = membership
        super().__init__(f"You are already {membership.get_role_display().lower()} in {membership.project}.")


USERNAME_TAKEN = "A user with that user name already exists."


def create_invitation(*, project: Project, role: str, label: str = "", by) -> tuple[Invitation, str]:
    """Invite someone to `project` as `role`; return the invitation with its secret, never stored."""
    if not by.has_perm("projects.add_invitation", project):
        raise PermissionDenied("Only the project's managers invite people to it.")
    secret = Invitation.new_secret()
    now = timezone.now()
    invitation = Invitation.objects.create(
        project=project,
        role=Membership.Role(role),
        label=label.strip(),
        visible_prefix=secret[:INVITATION_VISIBLE_CHARS],
        digest=invitation_digest(secret),
        created_by=by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    return invitation, secret


def revoke_invitation(*, invitation: Invitation, by) -> Invitation:
    """Make a pending invitation unusable; refused (InvitationGone) once it is used or revoked."""
    if not by.has_perm("projects.change_invitation", invitation):
        raise PermissionDenied("Only the project's managers revoke its invitations.")
    revoked = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=Now(), revoked_by=by
    )
    invitation.refresh_from_db()
    if not revoked:
        raise InvitationGone(unusable_reason(invitation))
    return invitation


def unusable_reason(invitation: Invitation) -> str:
    """Why the invitation cannot be used, or "" while it can."""
    match invitation.state:
        case Invitation.State.USED:
            return "This invitation has already been used."
        case Invitation.State.REVOKED:
            return "This invitation was revoked."
        case Invitation.State.EXPIRED:
            return f"This invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
    if not invitation.created_by.has_perm("projects.add_invitation", invitation.project):
        return "Whoever sent this invitation no longer manages the project."
    return ""


def accept_invitation(*, invitation: Invitation, user) -> Membership:
    """Give `user` the invitation's role in its project, using it up.

    A member keeps the role they have (AlreadyMember) and the invitation stays unused: nobody's
    role changes by following a link.
    """
    current = Membership.objects.filter(project=invitation.project_id, user=user).first()
    if current is not None:
        raise AlreadyMember(current)
    try:
        with transaction.atomic(), pghistory.context(user=user.pk, invitation=invitation.pk):
            return use_invitation(invitation=invitation, user=user)
    except IntegrityError:
        # Made a member in the meantime, in the admin or through another invitation.
        raise AlreadyMember(Membership.objects.get(project=invitation.project_id, user=user)) from None


def sign_up_with_invitation(*, invitation: Invitation, username: str, password: str) -> Membership:
    """Create an account and give it the invitation's role, all or nothing.

    The password has been checked against the validators by the form that asked for it.
    """
    users = get_user_model()
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = users.objects.create_user(username=username, password=password)
        except IntegrityError:
            raise ValidationError({"username": USERNAME_TAKEN}) from None
        with pghistory.context(user=user.pk, invitation=invitation.pk):
            return use_invitation(invitation=invitation, user=user)


def use_invitation(*, invitation: Invitation, user) -> Membership:
    """Claim the invitation for `user` and add them to the project, in the caller's transaction.

    The claim is one conditional UPDATE: of two people using the link at once, the second waits
    for the first's transaction and then finds it used.
    """
    claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(used_at=Now(), used_by=user)
    if not claimed:
        invitation.refresh_from_db()
        raise InvitationGone(unusable_reason(invitation) or "This invitation can no longer be used.")
    try:
        # Added by the manager's authority, through the same rule as in the admin.
        return add_member(project=invitation.project, user=user, role=invitation.role, by=invitation.created_by)
    except PermissionDenied:
        raise InvitationGone("Whoever sent this invitation no longer manages the project.") from None


def update_project(*, project: Project, user, fields: list[str]) -> Project:
    """Save the changed `fields` of a project (its name, description, blind mode, self-review);
    managers only.

    The history (ProjectHistory) keeps each change, so the agreement page can tell whether the
    analysts worked blind.
    """
    if not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's managers change its settings.")
    if fields:
        project.save(update_fields=fields)
    return project
