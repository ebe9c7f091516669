"""Every change to claims and their appearances: the workbench, the claim page, the admin and the
API come through here, so that each is checked against the one rule (apps/projects/permissions.py)
and recorded in the database's history."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.claims.models import Appearance, Claim, Verdict
from apps.claims.proposals import claim_keys, refresh_keys

MAX_WORDING = 2000
NOT_A_CLAIM = "Only an annotation marked as a claim can be an appearance of a claim."
ONLY_REVIEWERS = "Only reviewers and managers set a claim's verdict and rationale."


class ClaimConflict(Exception):
    """Somebody changed the claim after the version the editor started from."""

    def __init__(self, current: Claim):
        who = current.verdict_by.get_username() if current.verdict_by else "someone"
        super().__init__(
            f"Somebody changed this claim after the version you edited ({who} made version {current.version}); "
            "nothing was changed. Apply your change to the current state."
        )
        self.current = current


def require(user, perm: str, obj, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def clean_wording(wording: str) -> str:
    wording = " ".join(wording.replace("\x00", "").split())
    if not wording:
        raise ValidationError({"wording": "Write the claim's wording."})
    if len(wording) > MAX_WORDING:
        raise ValidationError({"wording": f"A wording has at most {MAX_WORDING:,} characters."})
    return wording


def create_claim(*, project, user, wording: str, language: str = "und", annotation: Annotation | None = None) -> Claim:
    """Create a claim of `project`; with `annotation`, from its marked words, as its first appearance."""
    require(user, "claims.add_claim", project, "Only members of the project create its claims.")
    claim = Claim(project=project, wording=clean_wording(wording), language=language or "und", created_by=user)
    claim.full_clean(exclude=["keys", "created_by", "project"])
    with transaction.atomic():
        claim.keys = claim_keys(claim, [])
        claim.save()
        if annotation is not None:
            attach_appearance(claim=claim, annotation=annotation, user=user)
    return claim


def create_claim_from(*, annotation: Annotation, user) -> Claim:
    """A new claim worded as the annotation's marked words, in its article's language."""
    article = annotation.article
    return create_claim(
        project=article.project, user=user, wording=annotation.exact, language=article.language, annotation=annotation
    )


def attach_appearance(*, claim: Claim, annotation: Annotation, user) -> Appearance:
    """Make the claim annotation an appearance of `claim` (moving it from another claim, if it was one)."""
    require(user, "claims.add_appearance", claim, "Only members of the project attach appearances to its claims.")
    require(user, "annotations.view_annotation", annotation, "You cannot see that annotation.")
    if annotation.kind != Annotation.Kind.CLAIM:
        raise ValidationError({"annotation": NOT_A_CLAIM})
    if annotation.deleted_at is not None:
        raise ValidationError({"annotation": "That annotation was deleted."})
    if annotation.article.project_id != claim.project_id:
        raise ValidationError({"annotation": "Choose an annotation of the claim's project."})
    with transaction.atomic():
        Claim.objects.select_for_update().filter(pk=claim.pk).first()
        previous = Appearance.objects.filter(annotation=annotation).select_related("claim").first()
        if previous is not None and previous.claim_id == claim.pk:
            return previous
        if previous is not None:
            old_claim = previous.claim
            previous.delete()
            refresh_keys(old_claim)
        appearance = Appearance.objects.create(claim=claim, annotation=annotation, created_by=user)
        refresh_keys(claim)
    return appearance


def detach_appearance(*, appearance: Appearance, user) -> None:
    require(user, "claims.add_appearance", appearance.claim, "Only members of the project change its claims.")
    with transaction.atomic():
        appearance.delete()
        refresh_keys(appearance.claim)


def update_claim(*, claim: Claim, user, base_version: int, **changes) -> Claim:
    """Change the wording, language, verdict or rationale from the version the editor saw.

    Setting a verdict or a rationale is the reviewers' and managers' part; it is refused before the
    version is compared, so that an analyst learns nothing from a stale one.
    """
    changes = {name: value for name, value in changes.items() if value is not None}
    judging = {"verdict", "rationale"} & changes.keys()
    if judging:
        require(user, "claims.set_verdict", claim, ONLY_REVIEWERS)
    if {"wording", "language"} & changes.keys():
        require(user, "claims.change_claim", claim, "Only members of the project change its claims.")
    if "verdict" in changes and changes["verdict"] not in Verdict.values:
        raise ValidationError({"verdict": "Choose one of " + ", ".join(Verdict.values) + "."})
    if "wording" in changes:
        changes["wording"] = clean_wording(changes["wording"])
    if "rationale" in changes:
        changes["rationale"] = changes["rationale"].replace("\x00", "").strip()
    if not changes:
        return claim
    fields = dict(changes)
    if judging:
        fields |= {"verdict_by": user, "verdict_at": timezone.now()}
    with transaction.atomic():
        won = Claim.objects.filter(pk=claim.pk, version=base_version).update(version=F("version") + 1, **fields)
        if not won:
            raise ClaimConflict(Claim.objects.select_related("verdict_by").get(pk=claim.pk))
        claim.refresh_from_db()
        if {"wording", "language"} & changes.keys():
            refresh_keys(claim)
    return claim


def set_verdict(*, claim: Claim, user, verdict: str, rationale: str, base_version: int) -> Claim:
    return update_claim(claim=claim, user=user, base_version=base_version, verdict=verdict, rationale=rationale)
