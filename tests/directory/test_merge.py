import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from apps.annotations.models import Link
from apps.articles.models import Article
from apps.directory.models import SourceMerge
from apps.directory.services import merge_sources, undo_merge
from apps.sources.models import Source
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, ProjectFactory, SourceFactory


def references(*source_ids) -> dict:
    """Every reference to the sources, counted: what a merge must neither lose nor invent."""
    return {
        "links": Link.objects.filter(source__in=source_ids).count(),
        "published": Article.objects.filter(publisher__in=source_ids).count(),
        "affiliates": Source.objects.filter(affiliation__in=source_ids).exclude(pk__in=source_ids).count(),
    }


@pytest.fixture
def pair(project):
    """Two spellings of one person, each with links, articles and an affiliate of their own, and
    one annotation linked to both in the same role (a repeat the merge folds)."""
    survivor = SourceFactory(project=project, name="Arkady Milman", aliases=["A. Milman"])
    merged = SourceFactory(
        project=project, name="Arkadi Mil-Man", aliases=["Mil-Man"], url="https://milman.example/", description="MP"
    )
    for source in (survivor, merged):
        for _ in range(3):
            LinkFactory(annotation=AnnotationFactory(article=ArticleFactory(project=project)), source=source)
        ArticleFactory(project=project, publisher=source)
        SourceFactory(project=project, kind=Source.Kind.PERSON, affiliation=source)
    both = AnnotationFactory(article=ArticleFactory(project=project))
    LinkFactory(annotation=both, source=survivor, role=Link.Role.SAID_BY)
    LinkFactory(annotation=both, source=merged, role=Link.Role.SAID_BY, note="from the second analyst")
    return survivor, merged, both


def test_merge_moves_everything_to_the_survivor_and_loses_nothing(pair, manager):
    survivor, merged, both = pair
    before = references(survivor.pk, merged.pk)

    merge = merge_sources(source=merged, into=survivor, user=manager)

    assert not Source.objects.filter(pk=merged.pk).exists()
    after = references(survivor.pk)
    # The repeated link of one annotation in one role is folded into the survivor's: one less row,
    # but every annotation that was linked to either is linked to the survivor.
    assert after == {**before, "links": before["links"] - 1}
    assert merge.count("folded_links") == 1 and merge.count("links") == 3
    assert Link.objects.filter(annotation=both, source=survivor, role=Link.Role.SAID_BY).count() == 1
    survivor.refresh_from_db()
    assert survivor.aliases == ["A. Milman", "Arkadi Mil-Man", "Mil-Man"]
    assert survivor.url == "https://milman.example/" and survivor.description == "MP"
    assert (merge.merged_by, merge.survivor_id, merge.merged_id) == (manager, survivor.pk, merged.pk)


def test_undo_restores_what_the_merge_moved(pair, manager):
    survivor, merged, both = pair
    before = {s.pk: references(s.pk) for s in (survivor, merged)}
    merged_links = set(Link.objects.filter(source=merged).values_list("pk", "annotation_id", "role", "note"))

    merge = undo_merge(merge=merge_sources(source=merged, into=survivor, user=manager), user=manager)

    assert merge.undone_at and merge.undone_by == manager and merge.not_restored == []
    restored = Source.objects.get(pk=merged.pk)
    assert (restored.name, restored.aliases, restored.url) == (merged.name, merged.aliases, merged.url)
    assert {s.pk: references(s.pk) for s in (survivor, merged)} == before
    assert set(Link.objects.filter(source=merged).values_list("pk", "annotation_id", "role", "note")) == merged_links
    survivor.refresh_from_db()
    assert (survivor.aliases, survivor.url, survivor.description) == (["A. Milman"], "", "")


def test_undo_leaves_what_changed_since_and_says_so(pair, manager, project):
    survivor, merged, both = pair
    merge = merge_sources(source=merged, into=survivor, user=manager)
    moved_link = Link.objects.get(pk=merge.moved["links"][0])
    moved_link.delete()
    Article.objects.filter(pk=merge.moved["articles"][0]).update(publisher=None)
    survivor.refresh_from_db()
    survivor.url = "https://elsewhere.example/"
    survivor.save()
    both.delete()  # takes the folded link's annotation along

    merge = undo_merge(merge=merge, user=manager)

    said = " ".join(merge.not_restored)
    assert "1 of the 3 annotation links" in said
    assert "1 of the 1 articles published" in said
    assert "1 of the 1 links folded" in said
    assert "keeps its url" in said
    assert Link.objects.filter(source=merged).count() == 2
    survivor.refresh_from_db()
    assert survivor.url == "https://elsewhere.example/" and survivor.aliases == ["A. Milman"]


def test_undo_refuses_when_the_name_was_taken_again(pair, manager, project):
    survivor, merged, _ = pair
    merge = merge_sources(source=merged, into=survivor, user=manager)
    SourceFactory(project=project, name=merged.name, kind=merged.kind)

    with pytest.raises(ValidationError, match="again"):
        undo_merge(merge=merge, user=manager)
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_a_merge_is_undone_once(pair, manager):
    survivor, merged, _ = pair
    merge = undo_merge(merge=merge_sources(source=merged, into=survivor, user=manager), user=manager)
    with pytest.raises(ValidationError, match="undone already"):
        undo_merge(merge=merge, user=manager)


def test_a_survivor_merged_in_turn_is_undone_first(pair, manager, project):
    survivor, merged, _ = pair
    first = merge_sources(source=merged, into=survivor, user=manager)
    third = SourceFactory(project=project, name="Milman Office")
    second = merge_sources(source=survivor, into=third, user=manager)

    with pytest.raises(ValidationError, match="undo that merge first"):
        undo_merge(merge=first, user=manager)
    undo_merge(merge=second, user=manager)
    undo_merge(merge=first, user=manager)
    assert references(merged.pk)["links"] == 4


def test_only_managers_merge_and_undo(pair, analyst, reviewer, manager):
    survivor, merged, _ = pair
    for user in (analyst, reviewer):
        with pytest.raises(PermissionDenied):
            merge_sources(source=merged, into=survivor, user=user)
    merge = merge_sources(source=merged, into=survivor, user=manager)
    with pytest.raises(PermissionDenied):
        undo_merge(merge=merge, user=reviewer)


def test_no_merge_of_a_source_with_itself_or_across_projects(pair, manager, outsider):
    survivor, _, _ = pair
    with pytest.raises(ValidationError, match="itself"):
        merge_sources(source=survivor, into=survivor, user=manager)
    elsewhere = SourceFactory(project=ProjectFactory())
    with pytest.raises(ValidationError, match="same project"):
        merge_sources(source=elsewhere, into=survivor, user=manager)


def test_no_merge_of_a_person_into_their_organisation(project, manager):
    organisation = SourceFactory(project=project, kind=Source.Kind.ORGANISATION)
    person = SourceFactory(project=project, affiliation=organisation)
    with pytest.raises(ValidationError, match="organisation"):
        merge_sources(source=person, into=organisation, user=manager)


def test_the_database_refuses_a_merge_record_across_projects(pair, project):
    survivor, _, _ = pair
    elsewhere = SourceFactory(project=ProjectFactory())
    with pytest.raises(IntegrityError, match="another project"), transaction.atomic():
        SourceMerge.objects.create(project=project, survivor_id=survivor.pk, merged_id=elsewhere.pk, snapshot={})
    merge = SourceMerge.objects.create(
        project=project, survivor_id=survivor.pk, merged_id=pair[1].pk, snapshot={"name": "x"}
    )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_sourcemerge SET project_id = %s WHERE id = %s", [elsewhere.project_id, merge.pk]
        )
