"""Annotations as W3C Web Annotations (JSON-LD), https://www.w3.org/TR/annotation-model/.

Each annotation targets its article's text (the text Sourcetrace stores, which its offsets
count in code points, as a TextPositionSelector does) with a TextQuoteSelector and a
TextPositionSelector; the web page the text came from is the target's `scope`. The kind is a
`classifying` body, the note a `commenting` one, each tag a `tagging` one, the review status a
`moderating` one, and each linked source a SpecificResource body (`identifying` for whom a
quote or claim is attributed to, `linking` for the others) with its role as `schema:roleName`;
a counterpart (the same passage marked in another article of the story) is a `linking` body
whose source is that annotation, with the role "counterpart".

An evidence link (apps.claims) is an annotation of its own, motivated by `linking`: its target
is the annotation's passage (selected as the annotation's target is), its body the passage of the
other article (a SpecificResource with the same two selectors) with the relation ("supports",
"contradicts", "cited_as") as `schema:roleName`, and the annotation it backs as `schema:about`.

`annotation()` serves one annotation (for the JSON API too); `stream_collection()` writes a whole
export as one AnnotationCollection with its one embedded AnnotationPage, piece by piece. An
export embeds each article's text once, as the `value` (rdf:value) of the first target that
names the article, so that the file can be imported back (see apps/imports/readers.py).
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache

from django.urls import reverse

from apps.annotations.models import Annotation, Link
from apps.articles.models import RTL_LANGUAGES
from apps.exports.rows import AnnotationRow, ArticleRow, SourceLink
from apps.sources.models import Source

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

# Whom a quote or a claim is attributed to identifies; the other roles point elsewhere.
IDENTIFYING_ROLES = {Link.Role.SAID_BY, Link.Role.CLAIMANT}
AGENT_TYPES = {
    Source.Kind.PERSON: "Person",
    Source.Kind.ORGANISATION: "Organization",
    Source.Kind.OUTLET: "Organization",
}
# Stands for the id while an address is reversed once, to be filled in for every row.
PLACEHOLDER = 2_147_483_647


def timestamp(moment: datetime) -> str:
    """UTC with a Z, as the model requires (3.3.1)."""
    # isoformat is several times faster than strftime, which an export calls for every date.
    return moment.astimezone(UTC).isoformat(timespec="seconds").removesuffix("+00:00") + "Z"


class Iris:
    """The absolute addresses of annotations, articles and sources under `base_url` ("https://host").

    Each address is reversed once; an export fills in hundreds of thousands of them.
    """

    def __init__(self, base_url: str):
        def template(name: str) -> tuple[str, str]:
            before, _, after = reverse(name, args=[PLACEHOLDER]).partition(str(PLACEHOLDER))
            return base_url + before, after

        self._annotation = template("annotations:panel")
        self._article = template("annotations:workbench")
        self._source = template("admin:sources_source_change")

    def annotation(self, pk: int) -> str:
        return f"{self._annotation[0]}{pk}{self._annotation[1]}"

    def article(self, pk: int) -> str:
        return f"{self._article[0]}{pk}{self._article[1]}"

    def source(self, pk: int) -> str:
        return f"{self._source[0]}{pk}{self._source[1]}"


@lru_cache(maxsize=16)
def iris(base_url: str) -> Iris:
    return Iris(base_url)


def annotation_iri(base_url: str, pk: int) -> str:
    return iris(base_url).annotation(pk)


def article_iri(base_url: str, pk: int) -> str:
    return iris(base_url).article(pk)


def agent(username: str | None, name: str = "") -> dict | None:
    if username is None:
        return None
    person = {"type": "Person", "nickname": username}
    if name:
        person["name"] = name
    return person


def article_resource(article: ArticleRow, *, iris: Iris, with_text: bool = False) -> dict:
    """The article's stored text as the target's source; its `value` is the text itself when `with_text`."""
    resource = {"id": iris.article(article.pk), "type": "Text", "format": "text/plain"}
    if article.language and article.language != "und":
        resource["language"] = article.language
        resource["textDirection"] = "rtl" if article.language in RTL_LANGUAGES else "ltr"
    resource["label"] = article.title
    if with_text:
        resource["value"] = article.text
    return resource


def textual_body(purpose: str, value: str) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def source_body(link: SourceLink, *, iris: Iris) -> dict:
    resource = {
        "id": iris.source(link.source_id),
        "type": AGENT_TYPES.get(link.source_kind, "Text"),
        "name": link.source_name,
    }
    if link.source_url:
        resource["schema:url"] = link.source_url
    body = {
        "type": "SpecificResource",
        "purpose": "identifying" if link.role in IDENTIFYING_ROLES else "linking",
        "schema:roleName": link.role,
        "source": resource,
        "created": timestamp(link.created_at),
    }
    if creator := agent(link.created_by, link.created_by_name):
        body["creator"] = creator
    return body


def counterpart_body(pk: int, *, iris: Iris) -> dict:
    """A link to the annotation that marks the same passage in another article of the story."""
    return {
        "type": "SpecificResource",
        "purpose": "linking",
        "schema:roleName": "counterpart",
        "source": iris.annotation(pk),
    }


def annotation(
    annotation: Annotation | AnnotationRow,
    *,
    base_url: str,
    with_text: bool = False,
    with_context: bool = True,
    counterparts: list[int] = (),
) -> dict:
    """One annotation as a W3C Web Annotation.

    An Annotation needs its `article`, `created_by` and `links` (with each link's source and
    created_by) loaded, e.g. `.select_related("article__publisher", "created_by")` and
    `.prefetch_related(rows.LINKS)`, or it queries for them. `base_url` ("https://host", no
    trailing slash) makes the IRIs absolute. `with_text` embeds the article's text (loaded);
    `with_context` False leaves `@context` to an enclosing page.
    """
    if isinstance(annotation, Annotation):
        annotation = AnnotationRow.of(annotation, with_text=with_text)
    if counterparts:
        annotation.counterparts = list(counterparts)
    return web_annotation(annotation, iris=iris(base_url), with_text=with_text, with_context=with_context)


def web_annotation(row: AnnotationRow, *, iris: Iris, with_text: bool = False, with_context: bool = True) -> dict:
    bodies = [textual_body("classifying", row.kind)]
    if row.note:
        bodies.append(textual_body("commenting", row.note))
    bodies += [textual_body("tagging", tag) for tag in row.tags]
    bodies.append(textual_body("moderating", row.status))
    bodies += [source_body(link, iris=iris) for link in row.links]
    bodies += [counterpart_body(pk, iris=iris) for pk in row.counterparts]
    article = row.article
    target = {
        "type": "SpecificResource",
        "source": article_resource(article, iris=iris, with_text=with_text),
        "selector": [
            {"type": "TextQuoteSelector", "exact": row.exact, "prefix": row.prefix, "suffix": row.suffix},
            {"type": "TextPositionSelector", "start": row.start, "end": row.end},
        ],
    }
    if article.url:
        target["scope"] = article.url
    result = {"@context": ANNO_CONTEXT} if with_context else {}
    result |= {
        "id": iris.annotation(row.pk),
        "type": "Annotation",
        "motivation": "classifying",
        "creator": agent(row.author, row.author_name),
        "created": timestamp(row.created_at),
        "modified": timestamp(row.updated_at),
        "body": bodies,
        "target": target,
    }
    return result


def passage(article: ArticleRow, start: int, end: int, quote: dict, *, iris: Iris) -> dict:
    """A SpecificResource selecting text[start:end] of the article."""
    resource = {
        "type": "SpecificResource",
        "source": article_resource(article, iris=iris),
        "selector": [
            {"type": "TextQuoteSelector", **quote},
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }
    if article.url:
        resource["scope"] = article.url
    return resource


def evidence_annotation(evidence, *, iris: Iris, with_context: bool = True) -> dict:
    """An evidence link as its own Web Annotation. `evidence` needs its annotation with its
    article, its own article and created_by loaded (the articles' texts need not be)."""
    marked = evidence.annotation

    def row(article) -> ArticleRow:
        return ArticleRow(article.pk, article.title, article.language, article.url, "", None, "")

    body = passage(
        row(evidence.article),
        evidence.start,
        evidence.end,
        {"exact": evidence.exact, "prefix": evidence.prefix, "suffix": evidence.suffix},
        iris=iris,
    )
    body |= {"purpose": "linking", "schema:roleName": evidence.relation}
    target = passage(
        row(marked.article),
        marked.start,
        marked.end,
        {"exact": marked.exact, "prefix": marked.prefix, "suffix": marked.suffix},
        iris=iris,
    )
    result = {"@context": ANNO_CONTEXT} if with_context else {}
    user = evidence.created_by
    result |= {
        "id": f"{iris.annotation(marked.pk)}#evidence-{evidence.pk}",
        "type": "Annotation",
        "motivation": "linking",
        "creator": agent(user.get_username(), user.get_full_name()),
        "created": timestamp(evidence.created_at),
        "schema:about": iris.annotation(marked.pk),
        "body": body,
        "target": target,
    }
    return result


def page(
    items: list[dict],
    *,
    id: str,
    start_index: int = 0,
    part_of: str | dict | None = None,
    next: str | None = None,
    prev: str | None = None,
    with_context: bool = True,
) -> dict:
    """An AnnotationPage of `items` (annotation dicts made with `with_context=False`)."""
    result = {"@context": ANNO_CONTEXT} if with_context else {}
    result |= {"id": id, "type": "AnnotationPage"}
    if part_of is not None:
        result["partOf"] = part_of
    if next:
        result["next"] = next
    if prev:
        result["prev"] = prev
    result["startIndex"] = start_index
    result["items"] = items
    return result


def collection(*, id: str, label: str, total: int, first: str | dict, last: str | None = None) -> dict:
    """An AnnotationCollection; `first` is its first page's IRI or the page itself (made with `with_context=False`).

    The embedded page is written last: a streamed export goes on writing into its `items`.
    """
    result = {"@context": ANNO_CONTEXT, "id": id, "type": "AnnotationCollection", "label": label, "total": total}
    if last:
        result["last"] = last
    result["first"] = first
    return result


# One encoder for every item: json.dumps would build a new one for each call, a third of its time.
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def stream_collection(
    annotations: Iterable[AnnotationRow],
    *,
    id: str,
    label: str,
    total: int,
    base_url: str,
    evidence: Iterable = (),
) -> Iterator[str]:
    """A whole export as one AnnotationCollection embedding its single page, written piece by piece.

    `annotations` must come by article (as rows.annotation_chunks gives them, texts loaded):
    each article's text is embedded in its first annotation's target only. The `evidence`
    links of those annotations follow them, each as its own annotation (`total` counts them).
    """
    page_id = f"{id}#page-1"
    first = page([], id=page_id, part_of=id, with_context=False)
    head = collection(id=id, label=label, total=total, first=first, last=page_id)
    opening = dumps(head)
    # The items are written one by one into the page's empty list, closed after the last one.
    yield opening[: opening.rindex("[]") + 1] + "\n"
    addresses, previous_article, separator = iris(base_url), None, ""
    for row in annotations:
        with_text = row.article_id != previous_article
        previous_article = row.article_id
        yield separator + dumps(web_annotation(row, iris=addresses, with_text=with_text, with_context=False))
        separator = ",\n"
    for link in evidence:
        yield separator + dumps(evidence_annotation(link, iris=addresses, with_context=False))
        separator = ",\n"
    yield "\n]}}\n"
