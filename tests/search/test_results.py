"""What a search finds: stems of each article's language, accents, phrases, exclusion, names in
any spelling or script, ranking, and only what the user may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.projects.models import Membership
from apps.search.results import Filters, Query, search
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, ProjectFactory, SourceFactory
from tests.search.conftest import indexed


def found(user, typed: str, **filters) -> list[tuple[str, int]]:
    results = search(user=user, query=Query.parse(typed), filters=Filters(**filters), limit=100)
    return [(hit.type, hit.id) for hit in results.hits]


def articles_found(user, typed: str, **filters) -> set[int]:
    return {pk for kind, pk in found(user, typed, **filters) if kind == "article"}


def test_a_german_word_finds_its_other_forms_in_german_articles(analyst, project, samples):
    english, german = samples
    genitive = ArticleFactory(
        project=project, language="de", title="Bericht", text="Die Unterzeichnung des Abkommens wurde kaum beachtet."
    )
    indexed(genitive)
    assert articles_found(analyst, "Abkommen") == {german.pk, genitive.pk}
    assert articles_found(analyst, "Abkommens") == {german.pk, genitive.pk}
    assert articles_found(analyst, "unterzeichnet") >= {genitive.pk}, "Unterzeichnung, the same stem"


def test_an_english_word_finds_its_other_forms_in_english_articles(analyst, project):
    article = ArticleFactory(project=project, language="en", text="The sanctions were lifted in spring.")
    other = ArticleFactory(project=project, language="en", text="Nothing of the kind happened here.")
    indexed(article, other)
    assert articles_found(analyst, "sanctioned") == {article.pk}
    assert articles_found(analyst, "lifting sanction") == {article.pk}


def test_accents_and_case_do_not_count(analyst, project):
    article = ArticleFactory(project=project, language="en", text="A budget vote in Zürich and São Paulo.")
    french = ArticleFactory(project=project, language="fr", text="Les élections régionales à Besançon.")
    indexed(article, french)
    assert articles_found(analyst, "zurich") == {article.pk}
    assert articles_found(analyst, "SAO PAULO") == {article.pk}
    assert articles_found(analyst, "election regionale besancon") == {french.pk}


def test_a_phrase_finds_its_words_in_that_order_only(analyst, project):
    together = ArticleFactory(project=project, language="en", text="The military cooperation agreement was signed.")
    apart = ArticleFactory(project=project, language="en", text="Cooperation is not military, they said.")
    indexed(together, apart)
    assert articles_found(analyst, "military cooperation") == {together.pk, apart.pk}
    assert articles_found(analyst, '"military cooperation"') == {together.pk}
    assert articles_found(analyst, "„military cooperation“") == {together.pk}, "typographic quotes too"


def test_or_and_exclusion(analyst, project):
    minsk = ArticleFactory(project=project, language="en", text="Talks in Minsk about grain.")
    lahore = ArticleFactory(project=project, language="en", text="Talks in Lahore about grain.")
    both = ArticleFactory(project=project, language="en", text="Talks in Minsk and Lahore about grain.")
    indexed(minsk, lahore, both)
    assert articles_found(analyst, "Minsk or Lahore") == {minsk.pk, lahore.pk, both.pk}
    assert articles_found(analyst, "grain -Lahore") == {minsk.pk}
    assert articles_found(analyst, "talks -minsk") == {lahore.pk}


@pytest.mark.parametrize("spelling", ["Lukashenko", "Lukaschenko", "lukaschenko", "Лукашенко"])
def test_a_name_finds_every_article_naming_it_whatever_the_spelling_or_script(analyst, samples, spelling):
    english, german = samples
    assert articles_found(analyst, spelling) == {english.pk, german.pk}


def test_a_name_written_in_another_script_is_found_in_latin_letters_and_marked_as_written(analyst, project):
    russian = ArticleFactory(
        project=project, language="ru", text="Президент Лукашенко встретился с премьером Шарифом в Минске."
    )
    indexed(russian)
    [hit] = search(user=analyst, query=Query.parse("Lukashenko"), filters=Filters()).hits
    assert hit.id == russian.pk
    assert [hit.snippet.text[start:end] for start, end in hit.snippet.highlights] == ["Лукашенко"]


def test_a_title_match_ranks_above_a_text_match(analyst, project):
    in_text = ArticleFactory(
        project=project, language="en", title="Weekly notes", text="Grain talks. " * 3 + "The embargo was discussed."
    )
    in_title = ArticleFactory(project=project, language="en", title="The embargo", text="Talks about grain went on.")
    indexed(in_text, in_title)
    assert found(analyst, "embargo") == [("article", in_title.pk), ("article", in_text.pk)]


def test_annotations_are_found_by_their_words_note_and_tags_and_sources_by_name_and_alias(analyst, project):
    article = ArticleFactory(project=project, language="en", text="Arkady Mil-Man said the deal is a red light.")
    quote = AnnotationFactory(
        article=article, created_by=analyst, start=30, end=43, note="Alarmist tone", tags=["nuclear"]
    )
    source = SourceFactory(project=project, name="Arkady Mil-Man", aliases=["Mil- Man, Arkady"])
    LinkFactory(annotation=quote, source=source)
    indexed(article)
    assert ("annotation", quote.pk) in found(analyst, "red light")
    assert found(analyst, "alarmist") == [("annotation", quote.pk)]
    assert found(analyst, "nuclear") == [("annotation", quote.pk)]
    assert ("source", source.pk) in found(analyst, "Mil-Man")
    assert found(analyst, "Milman", type="source") == [("source", source.pk)], "the type-ahead's spellings"


def test_filters(analyst, other_analyst, project):
    english = ArticleFactory(project=project, language="en", text="Grain talks in Minsk.", published_on="2025-04-11")
    german = ArticleFactory(project=project, language="de", text="Getreidegespräche in Minsk.")
    claim = AnnotationFactory(article=english, created_by=analyst, start=12, end=21, kind="claim", tags=["grain"])
    quote = AnnotationFactory(
        article=english, created_by=other_analyst, start=12, end=21, kind="quote", status="submitted"
    )
    indexed(english, german)
    assert found(analyst, "Minsk", language="de") == [("article", german.pk)]
    assert found(analyst, "Minsk", kind="claim") == [("annotation", claim.pk)]
    assert found(analyst, "Minsk", status="submitted") == [("annotation", quote.pk)]
    assert found(analyst, "Minsk", author="analyst2") == [("annotation", quote.pk)]
    assert found(analyst, "Minsk", tag="grain") == [("annotation", claim.pk)]
    assert found(analyst, "Minsk", type="article", until="2025-04-30") == [("article", english.pk)]
    assert found(analyst, "Minsk", project=ProjectFactory().pk) == []
    assert found(analyst, "Minsk", type="annotation") == [("annotation", quote.pk), ("annotation", claim.pk)]


def test_nothing_of_another_project_is_found_or_counted(analyst, project):
    mine = ArticleFactory(project=project, language="en", text="Minsk talks.")
    other_project = ProjectFactory()
    theirs = ArticleFactory(project=other_project, language="en", title="Minsk", text="Minsk talks in Minsk.")
    AnnotationFactory(article=theirs, start=0, end=5)
    SourceFactory(project=other_project, name="Minsk City Council")
    indexed(mine, theirs)
    results = search(user=analyst, query=Query.parse("Minsk"), filters=Filters())
    assert results.counts == {"source": 0, "claim": 0, "annotation": 0, "article": 1}
    assert [hit.id for hit in results.hits] == [mine.pk]
    assert search(user=analyst, query=Query.parse("Minsk"), filters=Filters(project=other_project.pk)).count == 0


@pytest.fixture
def blind(project):
    project.blind = True
    project.save()
    return project


def test_blind_mode_an_analyst_finds_only_their_own_annotations_until_the_article_is_curated(
    blind, analyst, other_analyst, reviewer
):
    article = ArticleFactory(project=blind, language="en", text="Lukashenko met Sharif in Minsk.")
    mine = AnnotationFactory(article=article, created_by=analyst, start=0, end=10)
    theirs = AnnotationFactory(article=article, created_by=other_analyst, start=15, end=21, note="Sharif confirmed")
    indexed(article)
    results = search(user=analyst, query=Query.parse("Sharif"), filters=Filters(type="annotation"))
    assert results.counts["annotation"] == 0 and results.hits == []
    everything = search(user=analyst, query=Query.parse("Sharif OR confirmed OR Lukashenko"), filters=Filters())
    assert everything.counts == {"source": 0, "claim": 0, "annotation": 1, "article": 1}
    assert "confirmed" not in str([(hit.snippet, hit.details) for hit in everything.hits])
    assert found(reviewer, "Sharif", type="annotation") == [("annotation", theirs.pk)]
    article.curated_at = "2026-01-01T00:00:00Z"
    article.save()
    assert found(analyst, "Sharif", type="annotation") == [("annotation", theirs.pk)]
    assert mine.pk in {pk for _, pk in found(analyst, "Lukashenko", type="annotation")}


def test_sources_another_analysts_link_brought_in_stay_hidden_in_blind_mode(blind, analyst, other_analyst):
    article = ArticleFactory(project=blind, language="en", text="Mordechai Kedar said so.")
    annotation = AnnotationFactory(article=article, created_by=other_analyst)
    source = SourceFactory(project=blind, name="Mordechai Kedar", introduced_by=other_analyst)
    LinkFactory(annotation=annotation, source=source)
    assert found(analyst, "Kedar", type="source") == []
    assert found(other_analyst, "Kedar", type="source") == [("source", source.pk)]


def make_data(project, analyst, numbers: range) -> None:
    for n in numbers:
        article = ArticleFactory(
            project=project,
            language=("en", "de", "fr")[n % 3],
            title=f"Minsk report {n}",
            text=f"Talks in Minsk, round {n}.",
        )
        indexed(article)
        annotation = AnnotationFactory(article=article, created_by=analyst, start=0, end=14)
        LinkFactory(annotation=annotation, source=SourceFactory(project=project, name=f"Minsk office {n}"))


def queries_of(user, typed: str, kinds: set[str], **filters) -> int:
    with CaptureQueriesContext(connection) as queries:
        results = search(user=user, query=Query.parse(typed), filters=Filters(**filters), limit=100)
    assert {hit.type for hit in results.hits} == kinds
    return len(queries)


def test_a_page_costs_the_same_queries_with_ten_times_the_data(analyst, project):
    everything = {"article", "annotation", "source"}
    asked = [
        ("Minsk", everything, {}),
        ("Minsk talks -Lahore", {"article", "annotation"}, {}),
        ("Minsk", {"annotation"}, {"type": "annotation", "kind": "claim"}),
        ("Minsk", {"article", "annotation"}, {"language": "de"}),
    ]
    make_data(project, analyst, range(3))
    search(user=analyst, query=Query.parse("warm"), filters=Filters())  # reads the user's roles once
    few = [queries_of(analyst, typed, kinds, **filters) for typed, kinds, filters in asked]
    make_data(project, analyst, range(3, 30))
    many = [queries_of(analyst, typed, kinds, **filters) for typed, kinds, filters in asked]
    assert few == many
    # Languages, the planner's setting for the counts, counts, page, and one per kind of row on it.
    assert few[0] == 7


def test_a_superuser_searches_every_project(db):
    root = member(ProjectFactory(), Membership.Role.MANAGER, "root")
    root.is_superuser = True
    root.save()
    article = ArticleFactory(project=ProjectFactory(), language="en", text="Minsk talks.")
    indexed(article)
    assert articles_found(root, "Minsk") == {article.pk}


def test_past_the_rank_limit_the_newest_matches_come_first(analyst, project, monkeypatch):
    in_text = ArticleFactory(project=project, language="en", title="Weekly notes", text="The embargo was discussed.")
    in_title = ArticleFactory(project=project, language="en", title="The embargo", text="Talks about grain went on.")
    newest = ArticleFactory(project=project, language="en", title="Later notes", text="Embargo again.")
    indexed(in_text, in_title, newest)
    assert found(analyst, "embargo")[0] == ("article", in_title.pk)
    monkeypatch.setattr("apps.search.results.RANK_LIMIT", 2)
    results = search(user=analyst, query=Query.parse("embargo"), filters=Filters())
    assert [hit.id for hit in results.hits] == [newest.pk, in_title.pk, in_text.pk]
    assert results.unranked == {"article"}
    assert results.counts["article"] == 2 and results.more, "counted up to the limit, and said to be more"


def test_pages_past_the_first_come_in_order_whatever_the_languages(analyst, project):
    # Two languages that read the word apart (two lookups), their matches interleaved by age.
    articles = [
        ArticleFactory(project=project, language=language, title=f"Note {n}", text=f"Die Grenze {n}. The border.")
        for n, language in enumerate(["de", "en", "de", "en", "de"])
    ]
    indexed(*articles)
    pages = [search(user=analyst, query=Query.parse("border"), filters=Filters(), offset=n, limit=2) for n in (0, 2, 4)]
    ids = [hit.id for page in pages for hit in page.hits]
    assert sorted(ids) == sorted(article.pk for article in articles) and len(set(ids)) == 5


def test_a_name_spelled_alike_is_found_once_after_the_articles_that_write_it(analyst, project):
    writes = ArticleFactory(project=project, language="en", title="Talks", text="Lukashenko met the envoy.")
    alike = ArticleFactory(project=project, language="de", title="Gespräche", text="Lukaschenko traf den Gesandten.")
    indexed(writes, alike)
    assert found(analyst, "Lukashenko") == [("article", writes.pk), ("article", alike.pk)]
