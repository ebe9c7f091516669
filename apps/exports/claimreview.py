"""Claims with a note as schema.org ClaimReview (JSON-LD), the markup Google reads for fact checks.

What is filled from what: `claimReviewed` is the claim's words; `reviewBody` its note (there
is no verdict field yet, so there is no `reviewRating`, which Google needs to show a fact check
in its results: until annotations carry a verdict, these reviews describe, they do not rate);
`url` is the annotation's page; `author` the analyst who made it; `datePublished` the day it
was approved (only approved claims are exported). The Claim (`itemReviewed`) appeared in the
article (`appearance`: its web address, else its page here, with headline, language, author,
publisher and date); its `author` is the source linked as claimant, when there is one.
"""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from apps.annotations.models import Annotation, Link
from apps.exports import w3c
from apps.exports.rows import AnnotationRow, SourceLink
from apps.sources.models import Source

CONTEXT = "https://schema.org"


def reviewable(annotations: QuerySet) -> QuerySet:
    """The approved claims that have a note to serve as the review's body: a fact check is
    published once a reviewer has approved it, never from a draft."""
    return annotations.filter(kind=Annotation.Kind.CLAIM, status=Annotation.Status.APPROVED).exclude(note="")


def thing(link: SourceLink) -> dict:
    kind = "Person" if link.source_kind == Source.Kind.PERSON else "Organization"
    result = {"@type": kind, "name": link.source_name}
    if link.source_url:
        result["sameAs"] = link.source_url
    return result


def claim_review(annotation: AnnotationRow, *, base_url: str) -> dict:
    article = annotation.article
    appearance = {
        "@type": "CreativeWork",
        "url": article.url or w3c.article_iri(base_url, article.pk),
        "headline": article.title,
    }
    if article.language and article.language != "und":
        appearance["inLanguage"] = article.language
    if article.published_on:
        appearance["datePublished"] = article.published_on.isoformat()
    if article.author:
        appearance["author"] = {"@type": "Person", "name": article.author}
    if article.publisher:
        appearance["publisher"] = {"@type": "Organization", "name": article.publisher}
    claim = {"@type": "Claim", "appearance": appearance}
    if article.published_on:
        claim["datePublished"] = article.published_on.isoformat()
    claimants = [link for link in annotation.links if link.role == Link.Role.CLAIMANT]
    if claimants:
        claim["author"] = thing(claimants[0])
    url = w3c.annotation_iri(base_url, annotation.pk)
    published = annotation.reviewed_at if annotation.status == Annotation.Status.APPROVED else None
    return {
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": annotation.exact,
        "reviewBody": annotation.note,
        "author": {"@type": "Person", "name": annotation.author_name or annotation.author},
        "datePublished": (published or annotation.updated_at).date().isoformat(),
        "itemReviewed": claim,
    }


def stream(annotations: Iterable[AnnotationRow], *, base_url: str) -> Iterator[str]:
    """One JSON-LD document: the reviews in its @graph."""
    yield '{"@context":"' + CONTEXT + '","@graph":['
    separator = "\n"
    for annotation in annotations:
        yield separator + w3c.dumps(claim_review(annotation, base_url=base_url))
        separator = ",\n"
    yield "\n]}\n"
