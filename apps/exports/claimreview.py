"""Claims with a verdict as schema.org ClaimReview (JSON-LD), the markup Google reads for fact checks.

One ClaimReview per claim with a verdict (anything but "unverified"), with every appearance the
selection holds. What is filled from what: `claimReviewed` is the claim's canonical wording;
`reviewRating` its verdict (a Rating with `alternateName`, the verdict in words, on a scale of 1,
false, to 5, supported; an opinion is not rated on the scale, its ratingValue is -1 as fact
checkers publish "not rateable"); `reviewBody` the rationale; `url` the claim's page; `author`
whoever set the verdict and `datePublished` the day they did. The Claim (`itemReviewed`) appeared
in each appearance's article (`appearance`: its web address, else its page here, with headline,
language, author, publisher and date; `firstAppearance` the oldest); its `author` is the source
linked as claimant to the oldest appearance that has one.
"""

from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import QuerySet

from apps.annotations.models import Annotation, Link
from apps.claims.models import Appearance, Claim, Verdict
from apps.exports import w3c
from apps.exports.rows import AnnotationRow, SourceLink
from apps.sources.models import Source

CONTEXT = "https://schema.org"
JUDGED = [verdict for verdict in Verdict.values if verdict != Verdict.UNVERIFIED]
BEST, WORST, NOT_RATEABLE = 5, 1, -1
RATINGS = {
    Verdict.SUPPORTED: 5,
    Verdict.DISPUTED: 3,
    Verdict.MISLEADING: 2,
    Verdict.FALSE: 1,
    Verdict.OPINION: NOT_RATEABLE,
}


def reviewable(annotations: QuerySet) -> QuerySet:
    """The claim annotations that are appearances of a claim with a verdict: a fact check is
    published once a reviewer or manager has judged the claim."""
    return annotations.filter(kind=Annotation.Kind.CLAIM, appearance__claim__verdict__in=JUDGED)


def rating(verdict: str) -> dict:
    return {
        "@type": "Rating",
        "ratingValue": RATINGS[verdict],
        "bestRating": BEST,
        "worstRating": WORST,
        "alternateName": Verdict(verdict).label,
    }


def thing(link: SourceLink) -> dict:
    kind = "Person" if link.source_kind == Source.Kind.PERSON else "Organization"
    result = {"@type": kind, "name": link.source_name}
    if link.source_url:
        result["sameAs"] = link.source_url
    return result


def creative_work(annotation: AnnotationRow, base_url: str) -> dict:
    article = annotation.article
    work = {
        "@type": "CreativeWork",
        "url": article.url or w3c.article_iri(base_url, article.pk),
        "headline": article.title,
    }
    if article.language and article.language != "und":
        work["inLanguage"] = article.language
    if article.published_on:
        work["datePublished"] = article.published_on.isoformat()
    if article.author:
        work["author"] = {"@type": "Person", "name": article.author}
    if article.publisher:
        work["publisher"] = {"@type": "Organization", "name": article.publisher}
    return work


def first_seen(annotation: AnnotationRow) -> tuple:
    return (annotation.article.published_on or date.max, annotation.created_at, annotation.pk)


def claim_review(claim: Claim, appearances: list[AnnotationRow], *, base_url: str) -> dict:
    appearances = sorted(appearances, key=first_seen)
    works = [creative_work(annotation, base_url) for annotation in appearances]
    item = {"@type": "Claim", "appearance": works, "firstAppearance": works[0]}
    dated = [a.article.published_on for a in appearances if a.article.published_on]
    if dated:
        item["datePublished"] = min(dated).isoformat()
    claimant = next(
        (link for a in appearances for link in a.links if link.role == Link.Role.CLAIMANT),
        None,
    )
    if claimant:
        item["author"] = thing(claimant)
    url = base_url.rstrip("/") + claim.get_absolute_url()
    judge = claim.verdict_by.get_full_name() or claim.verdict_by.get_username() if claim.verdict_by else ""
    review = {
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": claim.wording,
        "reviewRating": rating(claim.verdict),
        "datePublished": (claim.verdict_at or claim.created_at).date().isoformat(),
        "itemReviewed": item,
    }
    if claim.rationale:
        review["reviewBody"] = claim.rationale
    if judge:
        review["author"] = {"@type": "Person", "name": judge}
    return review


def by_claim(annotations: Iterable[AnnotationRow]) -> Iterator[tuple[Claim, list[AnnotationRow]]]:
    """The appearances grouped by their claim, claims in the order they were made."""
    rows = list(annotations)
    claim_of = dict(
        Appearance.objects.filter(annotation__in=[row.pk for row in rows]).values_list("annotation_id", "claim_id")
    )
    grouped: dict[int, list[AnnotationRow]] = {}
    for row in rows:
        grouped.setdefault(claim_of[row.pk], []).append(row)
    claims = Claim.objects.filter(pk__in=grouped).select_related("verdict_by").order_by("created_at", "pk")
    for claim in claims:
        yield claim, grouped[claim.pk]


def stream(annotations: Iterable[AnnotationRow], *, base_url: str) -> Iterator[str]:
    """One JSON-LD document: the reviews in its @graph, one a claim."""
    yield '{"@context":"' + CONTEXT + '","@graph":['
    separator = "\n"
    for claim, appearances in by_claim(annotations):
        yield separator + w3c.dumps(claim_review(claim, appearances, base_url=base_url))
        separator = ",\n"
    yield "\n]}\n"
