from django.urls import reverse

from apps.annotations.services import Decision, create_annotation, review_annotation, submit_annotation
from apps.stories.services import create_counterpart


def mark(article, user, passage, kind="fact"):
    start = article.text.index(passage)
    return create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(passage), exact=passage
    )


def test_a_reviewer_deciding_one_of_a_pair_sees_how_the_other_was_decided(client, analyst, reviewer, story_pair):
    english, german = story_pair
    fact = mark(english, analyst, "The NDC is responsible for the development")
    passage = "Der NDC ist für die Entwicklung"
    start = german.text.index(passage)
    counterpart = create_counterpart(
        annotation=fact, article=german, user=analyst, start=start, end=start + len(passage), exact=passage
    )
    for annotation in (fact, counterpart):
        submit_annotation(annotation=annotation, user=analyst)
    fact.refresh_from_db()
    review_annotation(annotation=fact, user=reviewer, decision=Decision.REJECT, reason="No source <b>given</b>.")
    client.force_login(reviewer)

    page = client.get(reverse("admin:annotations_annotation_change", args=[counterpart.pk])).content.decode()

    assert "counterparts in other versions" in page.lower()
    assert 'Rejected by reviewer1: <span dir="auto">No source &lt;b&gt;given&lt;/b&gt;.</span>' in page
    assert reverse("admin:annotations_annotation_change", args=[fact.pk]) in page
    other_side = client.get(reverse("admin:annotations_annotation_change", args=[fact.pk])).content.decode()
    assert "Der NDC ist für die Entwicklung" in other_side and "Submitted" in other_side
