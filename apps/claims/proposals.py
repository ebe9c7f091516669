"""Which of a project's claims a newly marked claim annotation says again.

Every claim keeps its keys (`Claim.keys`, and a row each in ClaimKey): the folded content words of
its wording and appearances, each with its language ("w:en:integral"), and their names
("@belarus"), the first letters of those ("~belar") and numbers ("#2025"), which survive
translation as the story matcher found. A proposal is one scan of the key rows' index that adds
up each claim's shared keys, best first. Before those come the claims of the passages the
story's alignment pairs with the marked one: the same sentence in another version of the story.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from apps.annotations.models import Annotation, quoted
from apps.articles.similarity import fingerprint
from apps.claims.models import MAX_KEYS, Appearance, Claim, open_appearances
from apps.stories.alignment import align_sentences

# Words that say nothing of what a claim is about, in the sample languages and their neighbours.
STOP_WORDS = frozenset(
    """
    about after again also although among another because been before being between both could
    does doing down during each even every from further have having here however into itself just
    like made make many more most much must never only other over same should since some such than
    that their them then there these they this those though through under until very were what when
    where which while with within without would your will said says according fact part
    aber alle allem allen aller alles also andere anderen auch dass dein deine dem den denn der des
    dessen diese diesem diesen dieser dieses doch dort durch eine einem einen einer eines einige
    euch gegen habe haben hatte hier hinter ihre ihrem ihren ihrer jede jedem jeden jeder jedes
    jene kann kein keine keinen können könnte machen mein meine mich mit muss nach nicht noch nun
    oder ohne sehr sein seine seinem seinen seiner sich sind soll sollte sondern über und uns unser
    unter viel vom von vor wann warum was weil welche welchem welchen welcher wenn werden wie wieder
    will wird wurde würde zum zur zwischen sowie sei ist faktisch
    avec dans elle elles est être leur leurs mais même nous pour sans sont sous tout toute tous une
    vous cette cela comme
    """.split()
)
WORD = re.compile(r"\w+", re.UNICODE)
MIN_WORD = 4
NAME_STEM = 5
ALIGNED_SCORE = 1.0
# A page of proposals; more would not be read.
LIMIT = 10


def fold(word: str) -> str:
    """No case, no accents: "Bestandteil" and "bestandteil", "Lukaschenko" and "lukaschenko"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def content_words(text: str) -> set[str]:
    words = {fold(word) for word in WORD.findall(text)}
    return {word for word in words if len(word) >= MIN_WORD and not word.isdigit() and word not in STOP_WORDS}


def text_keys(text: str, language: str) -> set[str]:
    """The keys of one passage: content words with their language, names and numbers."""
    words = {f"w:{language}:{word}"[:100] for word in content_words(text)}
    signals = {signal[:100] for signal in fingerprint(text)}
    # A name's first letters survive where its ending is translated: "Kremlin" and "Kreml",
    # "Lukashenko" and "Lukaschenko".
    stems = {
        "~" + signal[1 : 1 + NAME_STEM] for signal in signals if signal.startswith("@") and len(signal) > NAME_STEM
    }
    return words | signals | stems


def claim_keys(claim: Claim, passages: list[tuple[str, str]]) -> list[str]:
    """A claim's keys: its wording's and those of its appearances' passages (text, language)."""
    keys = text_keys(claim.wording, claim.language)
    for text, language in passages:
        keys |= text_keys(text, language)
    return sorted(keys)[:MAX_KEYS]


def refresh_keys(claim: Claim) -> None:
    """Store the claim's keys anew from its wording and every appearance (after one is attached)."""
    passages = list(
        Appearance.objects.filter(claim=claim).values_list("annotation__exact", "annotation__article__language")
    )
    Claim.objects.filter(pk=claim.pk).update(keys=claim_keys(claim, passages))


@dataclass
class Proposal:
    claim: Claim
    score: float
    why: list[str] = field(default_factory=list)

    @property
    def because(self) -> str:
        return "; ".join(self.why)


def described(shared: set[str]) -> list[str]:
    """What two passages share, in words: the words, the names, the numbers."""
    words = sorted(key.split(":", 2)[2] for key in shared if key.startswith("w:"))
    names = sorted(key[1:] for key in shared if key.startswith("@"))
    names += sorted(
        key[1:] + "…" for key in shared if key.startswith("~") and not any(n.startswith(key[1:]) for n in names)
    )
    numbers = sorted((key[1:] for key in shared if key.startswith("#")), key=lambda n: (-len(n), n))
    reasons = []
    if words:
        reasons.append("shares the words " + ", ".join(words[:6]) + (" and more" if len(words) > 6 else ""))
    if names:
        reasons.append("names " + ", ".join(name.title() for name in names[:4]))
    if numbers:
        reasons.append(("shares the number " if len(numbers) == 1 else "shares the numbers ") + ", ".join(numbers[:4]))
    return reasons


def weight(keys: set[str]) -> float:
    """Names and numbers tell more than a word, and are all a translation keeps."""
    return sum(1.0 if key.startswith("w:") else 2.0 for key in keys)


def aligned_annotations(annotation: Annotation, user) -> list[tuple[Annotation, str]]:
    """The claim annotations (that the user may see) of the story's other articles whose spans
    overlap the sentences the alignment pairs with the marked one, each with its article's title.

    Counterparts of an annotation, once stories keep them, come first here: they are the pairs
    an analyst confirmed, where the alignment is only the machine's guess.
    """
    article = annotation.article
    if article.story_id is None:
        return []
    others = (
        type(article)
        .objects.filter(story_id=article.story_id)
        .exclude(pk=article.pk)
        .only("pk", "title", "text", "language")
    )
    found = []
    for other in others:
        wanted = []
        for pair in align_sentences(
            article.text, other.text, left_language=article.language, right_language=other.language
        ):
            if any(segment.start < annotation.end and annotation.start < segment.end for segment in pair.left):
                wanted += [(segment.start, segment.end) for segment in pair.right]
        if not wanted:
            continue
        overlapping = Q()
        for start, end in wanted:
            overlapping |= Q(start__lt=end, end__gt=start)
        candidates = (
            Annotation.objects.filter(article=other, kind=Annotation.Kind.CLAIM)
            .live()
            .open_to(user)
            .filter(overlapping)
            .filter(appearance__isnull=False)
            .select_related("appearance__claim__created_by", "appearance__claim__verdict_by")
        )
        found += [(candidate, other.title) for candidate in candidates]
    return found


def propose(annotation: Annotation, user, *, limit: int = LIMIT) -> list[Proposal]:
    """The project's claims (that the user may see) the annotation may be an appearance of, best first."""
    article = annotation.article
    claims = (
        Claim.objects.visible_to(user).filter(project_id=article.project_id).select_related("created_by", "verdict_by")
    )
    current = getattr(annotation, "appearance", None)
    own_claim = current.claim_id if current else None
    proposals: dict[int, Proposal] = {}
    for other, title in aligned_annotations(annotation, user):
        claim = other.appearance.claim
        if claim.pk == own_claim or claim.project_id != article.project_id:
            continue
        proposal = proposals.setdefault(claim.pk, Proposal(claim, ALIGNED_SCORE))
        proposal.why.append(f"the story's aligned passage in {quoted(title)} is an appearance of it")
    if proposals:
        visible = set(claims.filter(pk__in=list(proposals)).values_list("pk", flat=True))
        proposals = {pk: proposal for pk, proposal in proposals.items() if pk in visible}

    keys = text_keys(annotation.exact, article.language)
    if keys:
        total = weight(keys)
        wanted = limit + len(proposals) + (1 if own_claim else 0)
        for claim, shared in overlapping_claims(claims, article.project_id, sorted(keys), wanted, user):
            if claim.pk == own_claim:
                continue
            score = round(min(weight(shared) / total, 1.0) * 0.99, 4)
            if claim.pk in proposals:
                proposals[claim.pk].why += described(shared)
                continue
            if shared:
                proposals[claim.pk] = Proposal(claim, score, described(shared))
    ranked = sorted(proposals.values(), key=lambda proposal: (-proposal.score, -proposal.claim.pk))
    return ranked[:limit]


# Each claim's shared keys added up, names and numbers twice (see `weight`), from the (project,
# key) primary key of the key rows alone.
SHARED_SQL = """
SELECT claim_id, sum(CASE WHEN key LIKE 'w:%%' THEN 1 ELSE 2 END) AS shared
FROM claims_claimkey WHERE project_id = %s AND key = ANY(%s::varchar[])
GROUP BY claim_id ORDER BY shared DESC, claim_id DESC LIMIT %s
"""
# An analyst in a blind project does not see every claim: more are read, to keep enough once scoped.
BLIND_MARGIN = 5


def overlapping_claims(claims, project_id: int, keys: list[str], limit: int, user) -> list[tuple[Claim, set[str]]]:
    """The claims (of `claims`, the ones the user sees) sharing most weighted keys with `keys`, each
    with the keys shared. For an analyst in a blind project the keys shared are counted again from
    the wording and the appearances they may see, so that no hidden passage scores or explains."""
    blinded = open_appearances(user) is not None
    with connection.cursor() as cursor:
        cursor.execute(SHARED_SQL, [project_id, keys, limit * BLIND_MARGIN if blinded else limit])
        order = [pk for pk, _ in cursor.fetchall()]
    found = claims.in_bulk(order)
    rows = [found[pk] for pk in order if pk in found][:limit]
    wanted = set(keys)
    if blinded:
        return [(claim, wanted & set(seen_keys(claim, user))) for claim in rows]
    return [(claim, wanted & set(claim.keys)) for claim in rows]


def seen_keys(claim: Claim, user) -> list[str]:
    passages = list(
        Appearance.objects.filter(claim=claim)
        .visible_to(user)
        .values_list("annotation__exact", "annotation__article__language")
    )
    return claim_keys(claim, passages)
