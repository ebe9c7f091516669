"""Proposals of claims for a marked claim: within a language by shared content words, across
languages by the story's aligned passages first, then names, numbers and dates."""

import pytest

from apps.articles.models import Article
from apps.articles.services import join_story
from apps.claims.proposals import propose, text_keys
from apps.claims.services import attach_appearance, create_claim, create_claim_from
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import AnnotationFactory, ArticleFactory, ClaimFactory

ENGLISH_CLAIM = "Belarus is in fact an integral part of Russia and operates in full coordination with the Kremlin."
GERMAN_CLAIM = (
    "Belarus ist faktisch ein integraler Bestandteil Russlands und agiert in voller Abstimmung mit dem Kreml."
)
ENGLISH_OTHER = "Pakistan is a nuclear capable country"
ENGLISH_THIRD = "the US State Department sanctioned a group of Belarusian and Chinese firms"


@pytest.fixture
def samples(project, analyst):
    for seed in (ENGLISH_SEED, GERMAN_SEED):
        import_items(project=project, items=[*read_upload(seed.name, seed.read_bytes())], user=analyst)
    english, german = Article.objects.get(language="en"), Article.objects.get(language="de")
    join_story(article=english, other=german, user=analyst)
    english.refresh_from_db()
    german.refresh_from_db()
    return english, german


def mark(article, words, user):
    start = article.text.index(words)
    return AnnotationFactory(article=article, created_by=user, start=start, end=start + len(words))


def test_the_german_version_of_an_english_claim_is_proposed_first(samples, project, analyst):
    english, german = samples
    claim = create_claim_from(annotation=mark(english, ENGLISH_CLAIM, analyst), user=analyst)
    for words in (ENGLISH_OTHER, ENGLISH_THIRD):
        create_claim_from(annotation=mark(english, words, analyst), user=analyst)
    # Claims of other articles that name Belarus and Russia too, in both languages.
    ClaimFactory(project=project, created_by=analyst, wording="Russia and Belarus held joint drills", language="en")
    ClaimFactory(project=project, created_by=analyst, wording="Belarus kauft Waffen in Russland", language="de")

    proposals = propose(mark(german, GERMAN_CLAIM, analyst), analyst)

    assert proposals[0].claim == claim
    assert proposals[0].why


def test_within_a_language_shared_content_words_rank_first(project, analyst):
    wanted = create_claim(project=project, user=analyst, wording="The sanctions hurt the farmers badly", language="en")
    create_claim(project=project, user=analyst, wording="Farmers protest in the capital", language="en")
    create_claim(project=project, user=analyst, wording="Die Sanktionen treffen die Bauern", language="de")
    article = ArticleFactory(project=project, text="Critics say the sanctions hurt farmers in the north.")
    annotation = mark(article, "the sanctions hurt farmers", analyst)

    proposals = propose(annotation, analyst)

    assert proposals[0].claim == wanted
    assert "sanctions" in proposals[0].because
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)


def test_names_and_numbers_carry_a_claim_across_languages(project, analyst):
    wanted = create_claim(
        project=project, user=analyst, wording="Lukashenko met Sharif in Minsk on April 11, 2025", language="en"
    )
    create_claim(project=project, user=analyst, wording="The meeting was a success for everyone", language="en")
    article = ArticleFactory(
        project=project, language="de", text="Am 11. April 2025 trafen sich Sharif und Lukaschenko in Minsk."
    )
    annotation = mark(article, article.text, analyst)

    [first, *_] = propose(annotation, analyst)

    assert first.claim == wanted
    assert "Minsk" in first.because or "minsk" in first.because
    assert "2025" in first.because


def test_proposals_never_cross_projects(project, analyst, outsider):
    theirs = outsider.memberships.get().project
    create_claim(project=theirs, user=outsider, wording="The sanctions hurt the farmers badly", language="en")
    article = ArticleFactory(project=project, text="Critics say the sanctions hurt farmers in the north.")
    assert propose(mark(article, "the sanctions hurt farmers", analyst), analyst) == []


def test_blind_mode_hides_claims_made_of_another_analysts_hidden_work(project, analyst, other_analyst):
    project.blind = True
    project.save()
    article = ArticleFactory(project=project, text="Critics say the sanctions hurt farmers in the north.")
    theirs = create_claim_from(
        annotation=mark(article, "the sanctions hurt farmers", other_analyst), user=other_analyst
    )
    mine = mark(article, "sanctions hurt farmers", analyst)
    assert propose(mine, analyst) == []
    # A claim without appearances is nobody's hidden work; attached to hidden work, its words do not explain.
    open_claim = create_claim(project=project, user=other_analyst, wording="Farmers suffer", language="en")
    attach_appearance(
        claim=open_claim,
        annotation=mark(
            ArticleFactory(project=project, text="Sanctions hurt the farmers of Minsk."),
            "Sanctions hurt the farmers",
            other_analyst,
        ),
        user=other_analyst,
    )
    assert [p.claim for p in propose(mine, analyst)] == []
    assert theirs in [p.claim for p in propose(mine, other_analyst)]
    article.curated_at = article.imported_at
    article.save()
    assert theirs in [p.claim for p in propose(mine, analyst)]


def test_keys_fold_case_and_accents_and_keep_names_and_numbers():
    keys = text_keys("Lukaschenko traf Sharif am 11. April 2025 in Minsk", "de")
    assert {"@lukaschenko", "~lukas", "@minsk", "#2025", "w:de:lukaschenko"} <= keys
    assert not {"w:de:am", "w:de:in", "w:de:11"} & keys  # too short, or numbers, to say much as words
