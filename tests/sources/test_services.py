import pytest

from apps.sources.models import Source
from apps.sources.services import find_or_create_source
from tests.factories import ProjectFactory, SourceFactory


@pytest.mark.parametrize("spelling", ["Mil- Man", "Mil-Man", "Mil Man", "mil man", "MILMAN", "Míl-Man"])
def test_spellings_that_fold_alike_are_one_source(project, spelling):
    mil_man = find_or_create_source(project=project, name="Mil-Man", kind=Source.Kind.PERSON)
    assert find_or_create_source(project=project, name=spelling, kind=Source.Kind.PERSON) == mil_man
    assert Source.objects.count() == 1


def test_a_new_spelling_is_kept_as_an_alias(project):
    mil_man = find_or_create_source(project=project, name="Arkady Mil-Man", kind=Source.Kind.PERSON)
    find_or_create_source(project=project, name="Arkady  Mil- Man", kind=Source.Kind.PERSON)
    mil_man.refresh_from_db()
    assert mil_man.name == "Arkady Mil-Man"
    assert mil_man.aliases == ["Arkady Mil- Man"]


def test_an_alias_is_found_folded(project):
    outlet = SourceFactory(project=project, name="Süddeutsche Zeitung", kind=Source.Kind.OUTLET, aliases=["SZ"])
    assert find_or_create_source(project=project, name="s.z.", kind=Source.Kind.OUTLET) == outlet


@pytest.mark.parametrize("other", ["Lukashenka", "Lukashenko Jr", "Viktor Lukashenko"])
def test_similar_names_are_not_merged(project, other):
    lukashenko = find_or_create_source(project=project, name="Lukashenko", kind=Source.Kind.PERSON)
    assert find_or_create_source(project=project, name=other, kind=Source.Kind.PERSON) != lukashenko
    assert Source.objects.count() == 2


def test_the_exact_spelling_wins_over_one_that_only_folds_alike(project):
    SourceFactory(project=project, name="Mil Man")
    mil_man = SourceFactory(project=project, name="Mil-Man")
    assert find_or_create_source(project=project, name="Mil-Man", kind=Source.Kind.PERSON) == mil_man


def test_kind_and_project_still_tell_sources_apart(project):
    person = find_or_create_source(project=project, name="Mil-Man", kind=Source.Kind.PERSON)
    assert find_or_create_source(project=project, name="Mil Man", kind=Source.Kind.OUTLET) != person
    assert find_or_create_source(project=ProjectFactory(), name="Mil Man", kind=Source.Kind.PERSON) != person
