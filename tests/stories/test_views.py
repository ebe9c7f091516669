from django.urls import reverse

from apps.annotations.services import create_annotation
from apps.stories.services import counterparts_of
from tests.factories import ArticleFactory


def mark(article, user, passage, kind="quote"):
    start = article.text.index(passage)
    return create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(passage), exact=passage
    )


def test_the_panel_finds_proposes_and_accepts_a_counterpart(analyst_client, analyst, story_pair):
    english, german = story_pair
    first = mark(english, analyst, "emerging threat")

    panel = analyst_client.get(reverse("annotations:panel", args=[first.pk])).content.decode()
    assert reverse("stories:counterparts", args=[first.pk]) in panel
    section = analyst_client.get(reverse("stories:counterparts", args=[first.pk])).content.decode()
    assert "Find in the other version" in section and f'data-article="{german.pk}"' in section
    proposal = analyst_client.get(reverse("stories:counterpart-proposal", args=[first.pk]), {"article": german.pk})
    assert proposal.status_code == 200 and "aufstrebenden Bedrohung" in proposal.content.decode()
    start = german.text.index("aufstrebenden Bedrohung")

    accepted = analyst_client.post(
        reverse("stories:counterpart-accept", args=[first.pk]),
        {"article": german.pk, "start": start, "end": start + 23},
    )

    assert accepted.status_code == 200
    [second] = counterparts_of(first, analyst)
    assert (second.exact, second.kind, second.article) == ("aufstrebenden Bedrohung", "quote", german)
    other_side = analyst_client.get(reverse("stories:counterparts", args=[second.pk])).content.decode()
    assert f'data-counterpart="{first.pk}"' in other_side and "emerging threat" in other_side


def test_bad_spans_and_articles_outside_the_story_are_refused(analyst_client, analyst, story_pair, project):
    english, german = story_pair
    first = mark(english, analyst, "emerging threat")
    accept = reverse("stories:counterpart-accept", args=[first.pk])

    assert analyst_client.post(accept, {"article": german.pk, "start": 5, "end": 2}).status_code == 422
    assert analyst_client.post(accept, {"article": german.pk, "start": 0, "end": 10**6}).status_code == 422
    assert analyst_client.post(accept, {"article": "x"}).status_code == 422
    assert analyst_client.post(accept, {"article": english.pk, "start": 0, "end": 3}).status_code == 422
    unrelated = ArticleFactory(project=project)
    assert analyst_client.post(accept, {"article": unrelated.pk, "start": 0, "end": 3}).status_code == 404
    assert counterparts_of(first, analyst) == []


def test_blind_mode_hides_another_analysts_annotation(client, analyst, other_analyst, story_pair, project):
    project.blind = True
    project.save()
    english, german = story_pair
    theirs = mark(english, other_analyst, "emerging threat")
    client.force_login(analyst)

    assert client.get(reverse("stories:counterparts", args=[theirs.pk])).status_code == 404
    proposal = client.get(reverse("stories:counterpart-proposal", args=[theirs.pk]), {"article": german.pk})
    assert proposal.status_code == 404
