"""Curation: a reviewer takes one analyst's version of a passage into the approved set.

Every change goes through the annotation services, which check the rule and record the history;
this only decides which annotations they are asked to change, in one transaction.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, review_annotation
from apps.projects.permissions import deciding_own_work

# The author named after "by", never as "{author}'s": a user called "analyst" made "analyst's
# version" read as the role's.
SAME_PASSAGE = "The same passage was accepted in curation, as marked by {author}."
OTHER_VERSION = "The version of this passage marked by {author} was accepted in curation."
# In a blind project, until the article is curated, the reason names nobody: the analyst
# rejected must not learn whose work was preferred (see projects.permissions.sees_annotation).
ANOTHER_ANALYST = "another analyst"
# An identical annotation approved alongside, in a blind project: agreeing reveals nobody's work.
ACCEPTED_ALIKE = "Accepted in curation."


@dataclass
class Accepted:
    """What accepting a version did besides approving it: the other analysts' identical
    annotations approved with it, and their different versions rejected."""

    annotation: Annotation
    agreeing: list[Annotation] = field(default_factory=list)
    rejected: list[Annotation] = field(default_factory=list)
    # The reviewer's own versions of the passage, left for another reviewer to decide on.
    own: list[Annotation] = field(default_factory=list)


def accept_version(*, annotation: Annotation, user, seen_version: int | None = None) -> Accepted:
    """Approve `annotation` with every other analyst's identical one (same kind, same characters),
    and reject the other analysts' live annotations of its kind that overlap it with other
    characters, so that the approved set holds one version of the passage. Agreeing is never
    rejected. Only what was submitted is decided (see review_annotation): drafts stay as they are.

    Accepting one's own version is refused (OwnWork) unless the project allows self-review; the
    reviewer's own other versions are left for another reviewer to decide on.

    The approval is made from `seen_version`, the version the curation page showed: if somebody
    changed the annotation since, nothing is changed and StatusConflict says what it is now.
    An analyst's own overlapping annotations are other passages of theirs and stay as they are.
    """
    with transaction.atomic():
        # Locked, so that a second reviewer curating the same passage waits and then sees this outcome.
        live = (
            Annotation.objects.live().select_for_update(of=("self",)).select_related("article__project", "created_by")
        )
        annotation = live.filter(pk=annotation.pk).first()
        if annotation is None:
            raise ValidationError("That annotation was deleted meanwhile; nothing was changed.")
        overlapping = list(
            live.filter(
                article_id=annotation.article_id,
                kind=annotation.kind,
                start__lt=annotation.end,
                end__gt=annotation.start,
            )
            .exclude(created_by_id=annotation.created_by_id)
            # Drafts are still their authors' to finish: nothing of theirs is decided here.
            .exclude(status=Annotation.Status.DRAFT)
            .order_by("start", "end", "pk")
        )
        review_annotation(annotation=annotation, user=user, decision=Decision.APPROVE, seen_version=seen_version)
        article = annotation.article
        blind = article.project.blind and article.curated_at is None
        author = ANOTHER_ANALYST if blind else annotation.created_by.get_username()
        accepted = Accepted(annotation)
        for other in overlapping:
            if deciding_own_work(user, other):
                accepted.own.append(other)
                continue
            # Locked above, so decided from the version read there.
            if (other.start, other.end) == (annotation.start, annotation.end):
                reason = ACCEPTED_ALIKE if blind else SAME_PASSAGE.format(author=author)
                review_annotation(
                    annotation=other, user=user, decision=Decision.APPROVE, reason=reason, seen_version=other.version
                )
                accepted.agreeing.append(other)
                continue
            reason = OTHER_VERSION.format(author=author)
            review_annotation(
                annotation=other, user=user, decision=Decision.REJECT, reason=reason, seen_version=other.version
            )
            accepted.rejected.append(other)
    return accepted
