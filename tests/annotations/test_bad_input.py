"""Whatever arrives at the create and edit endpoints, the answer is a 2xx for a valid span or a
4xx with a message, and nothing is stored that does not match the text at its offsets."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.annotations.models import Annotation
from tests.factories import AnnotationFactory, ArticleFactory

TEXT = "Flags 🇩🇪 and a family 👨‍👩‍👧 met.\nשלום עולם and ‏مرحبا‎ q̇ e\u0301 end."
UTF16 = len(TEXT.encode("utf-16-le")) // 2

offsets = st.one_of(
    st.integers(min_value=-5, max_value=UTF16 + 5),
    st.sampled_from([-(2**63), 2**63, 10**30]),
    st.text(max_size=6),
    st.sampled_from(["", " ", "1.5", "1e3", "0x10", "٣", "\x00", "NaN"]),
)
kinds = st.one_of(st.sampled_from(["claim", "quote", "fact"]), st.text(max_size=12))


def exact_for(data, start, end):
    """Mostly the text at the offsets when they are numbers, sometimes anything at all."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(TEXT):
        return data.draw(st.one_of(st.just(TEXT[start:end]), st.text(max_size=20)))
    return data.draw(st.text(max_size=20))


@pytest.fixture
def article(project):
    return ArticleFactory(project=project, text=TEXT)


def stored_spans_match_the_text():
    for annotation in Annotation.objects.all():
        assert annotation.exact == TEXT[annotation.start : annotation.end]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), start=offsets, end=offsets, kind=kinds)
def test_create_answers_a_span_or_a_refusal_never_a_500(analyst_client, article, data, start, end, kind):
    exact = exact_for(data, start, end)
    payload = {"kind": kind, "start": start, "end": end, "exact": exact}
    before = Annotation.objects.count()
    response = analyst_client.post(f"/annotations/article/{article.pk}/new/", payload, headers={"HX-Request": "true"})
    assert response.status_code in (200, 409, 422), response.content[:300]
    if response.status_code == 200:
        assert Annotation.objects.count() == before + 1
    else:
        assert Annotation.objects.count() == before
        assert b"message-error" in response.content
    stored_spans_match_the_text()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=offsets, end=offsets, version=offsets, tags=st.text(max_size=30), note=st.text(max_size=30))
def test_edit_answers_a_change_or_a_refusal_never_a_500(
    analyst_client, article, analyst, start, end, version, tags, note
):
    annotation = AnnotationFactory(article=article, created_by=analyst, start=0, end=5)
    payload = {"version": version, "kind": "fact", "note": note, "tags": tags, "start": start, "end": end}
    response = analyst_client.post(f"/annotations/{annotation.pk}/edit/", payload)
    assert response.status_code in (200, 409, 422), response.content[:300]
    annotation.refresh_from_db()
    if response.status_code != 200:
        assert annotation.version == 1
    stored_spans_match_the_text()
    annotation.delete()
