"""Annotations as W3C Web Annotations (JSON-LD), https://www.w3.org/TR/annotation-model/.

Each annotation targets its article's text (the text Sourcetrace stores, which its offsets
count in code points, as a TextPositionSelector does) with a TextQuoteSelector and a
TextPositionSelector; the web page the text came from is the target's `scope`. The kind is a
`classifying` body, the note a `commenting` one, each tag a `tagging` one, the review status a
`moderating` one, and each linked source a SpecificResource body (`identifying` for whom a
quote or claim is attributed to, `linking` for the others) with its role as `schema:roleName`.

`annotation()` serves one annotation (the API uses it too); `stream_collection()` writes a whole
export as one AnnotationCollection with its one embedded AnnotationPage, piece by piece. An
export embeds each article's text once, as the `value` (rdf:value) of the first target that
names the article, so that the file can be imported back (see apps/imports/readers.py).
"""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.urls import reverse

from apps.annotations.models import Annotation, Link
from apps.articles.models import RTL_LANGUAGES
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


def timestamp(moment: datetime) -> str:
    """UTC with a Z, as the model requires (3.3.1)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def annotation_iri(base_url: str, pk: int) -> str:
    return base_url + reverse("annotations:panel", args=[pk])


def article_iri(base_url: str, pk: int) -> str:
    return base_url + reverse("annotations:workbench", args=[pk])


def source_iri(base_url: str, pk: int) -> str:
    return base_url + reverse("admin:sources_source_change", args=[pk])


def agent(user) -> dict | None:
    if user is None:
        return None
    person = {"type": "Person", "nickname": user.get_username()}
    if full_name := user.get_full_name():
        person["name"] = full_name
    return person


def article_resource(article, *, base_url: str, with_text: bool = False) -> dict:
    """The article's stored text as the target's source; its `value` is the text itself when `with_text`."""
    resource = {"id": article_iri(base_url, article.pk), "type": "Text", "format": "text/plain"}
    if article.language and article.language != "und":
        resource["language"] = article.language
        resource["textDirection"] = "rtl" if article.language in RTL_LANGUAGES else "ltr"
    resource["label"] = article.title
    if with_text:
        resource["value"] = article.text
    return resource


def textual_body(purpose: str, value: str) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def source_body(link: Link, *, base_url: str) -> dict:
    source = link.source
    resource = {
        "id": source_iri(base_url, source.pk),
        "type": AGENT_TYPES.get(source.kind, "Text"),
        "name": source.name,
    }
    if source.url:
        resource["schema:url"] = source.url
    body = {
        "type": "SpecificResource",
        "purpose": "identifying" if link.role in IDENTIFYING_ROLES else "linking",
        "schema:roleName": link.role,
        "source": resource,
        "created": timestamp(link.created_at),
    }
    if creator := agent(link.created_by):
        body["creator"] = creator
    return body


def annotation(annotation: Annotation, *, base_url: str, with_text: bool = False, with_context: bool = True) -> dict:
    """One annotation as a W3C Web Annotation.

    Needs `annotation.article`, `annotation.created_by` and `annotation.links` (with each link's
    source and created_by) loaded, e.g. with `.select_related("article", "created_by")` and
    `rows.LINKS` as a prefetch, or it queries for them. `base_url` ("https://host", no trailing
    slash) makes the IRIs absolute. `with_text` embeds the article's text (needs it loaded);
    `with_context` False leaves `@context` to an enclosing page.
    """
    bodies = [textual_body("classifying", annotation.kind)]
    if annotation.note:
        bodies.append(textual_body("commenting", annotation.note))
    bodies += [textual_body("tagging", tag) for tag in annotation.tags]
    bodies.append(textual_body("moderating", annotation.status))
    bodies += [source_body(link, base_url=base_url) for link in annotation.links.all()]
    target = {
        "type": "SpecificResource",
        "source": article_resource(annotation.article, base_url=base_url, with_text=with_text),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": annotation.exact,
                "prefix": annotation.prefix,
                "suffix": annotation.suffix,
            },
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
        ],
    }
    if annotation.article.url:
        target["scope"] = annotation.article.url
    result = {"@context": ANNO_CONTEXT} if with_context else {}
    result |= {
        "id": annotation_iri(base_url, annotation.pk),
        "type": "Annotation",
        "motivation": "classifying",
        "creator": agent(annotation.created_by),
        "created": timestamp(annotation.created_at),
        "modified": timestamp(annotation.updated_at),
        "body": bodies,
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
    """An AnnotationCollection; `first` is its first page's IRI or the page itself (made with `with_context=False`)."""
    result = {"@context": ANNO_CONTEXT, "id": id, "type": "AnnotationCollection", "label": label, "total": total}
    result["first"] = first
    if last:
        result["last"] = last
    return result


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stream_collection(
    annotations: Iterable[Annotation], *, id: str, label: str, total: int, base_url: str
) -> Iterator[str]:
    """A whole export as one AnnotationCollection embedding its single page, written piece by piece.

    `annotations` must come by article (as rows.annotation_chunks gives them, texts loaded):
    each article's text is embedded in its first annotation's target only.
    """
    head = collection(id=id, label=label, total=total, first=page([], id=f"{id}#page-1", with_context=False))
    opening = dumps(head)
    # The items are written one by one into the page's empty list, closed after the last one.
    yield opening[: opening.rindex("[]") + 1] + "\n"
    previous_article, separator = None, ""
    for item in annotations:
        with_text = item.article_id != previous_article
        previous_article = item.article_id
        yield separator + dumps(annotation(item, base_url=base_url, with_text=with_text, with_context=False))
        separator = ",\n"
    yield "\n]}}\n"
