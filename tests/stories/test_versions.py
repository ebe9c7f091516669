"""A new version of an article carries each annotation of the old one to the right state."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation, AnnotationEvent, Link
from apps.annotations.services import add_comment, create_annotation
from apps.articles.models import Article, Story
from apps.stories.models import Anchoring
from apps.stories.versions import (
    AnchoringDecided,
    VersionRefused,
    add_version,
    adjust_anchoring,
    confirm_anchoring,
    drop_anchoring,
)
from tests.factories import ArticleFactory, LinkFactory, ProjectFactory, SourceFactory

OLD = (
    "Deal reached on Tuesday\n"
    "The two governments reached an agreement on Tuesday after long talks in Vienna.\n"
    "“We will sign the accord tomorrow morning,” said the minister, Anna Weber.\n"
    "Critics called the deal rushed and said it ignores the northern provinces.\n"
    "The parliament votes on it next month.\n"
    "Analysts expect a narrow majority for the government."
)
NEW = (
    "Deal reached on Tuesday 🇦🇹\n"
    "Update: this article was corrected after publication.\n"
    "The two governments reached an agreement on Tuesday after long talks in Vienna.\n"
    "“We will sign the treaty tomorrow morning,” said the minister, Anna Weber.\n"
    "The parliament votes on it next month.\n"
    "Analysts expect a narrow majority for the government. 🙂"
)


def mark(article, user, words, kind=Annotation.Kind.QUOTE):
    start = article.text.index(words)
    return create_annotation(article=article, user=user, kind=kind, start=start, end=start + len(words), exact=words)


@pytest.fixture
def edited(project, analyst, reviewer):
    """An article with annotations on every kind of edit, and its new version."""
    old = ArticleFactory(project=project, text=OLD, url="https://news.example/deal")
    marks = {
        "heading": mark(old, analyst, "Deal reached on Tuesday", Annotation.Kind.FACT),
        "unchanged": mark(old, analyst, "reached an agreement on Tuesday", Annotation.Kind.FACT),
        "quote": mark(old, analyst, "We will sign the accord tomorrow morning"),
        "deleted": mark(old, analyst, "Critics called the deal rushed", Annotation.Kind.CLAIM),
        "after": mark(old, analyst, "votes on it next month", Annotation.Kind.FACT),
        "emoji": mark(old, analyst, "a narrow majority for the government", Annotation.Kind.CLAIM),
    }
    speaker = SourceFactory(project=project, name="Anna Weber")
    LinkFactory(annotation=marks["quote"], source=speaker, role=Link.Role.SAID_BY)
    for annotation in marks.values():
        Annotation.objects.filter(pk=annotation.pk).update(status=Annotation.Status.APPROVED)
    add_comment(annotation=marks["quote"], user=reviewer, body="Checked against the recording.")
    added = add_version(article=old, text=NEW, user=analyst)
    return old, added, marks


def anchoring_of(origin) -> Anchoring:
    return Anchoring.objects.select_related("annotation").get(origin=origin)


def test_each_annotation_lands_in_the_right_state(edited):
    old, added, marks = edited
    new = added.article
    states = {name: anchoring_of(annotation).state for name, annotation in marks.items()}
    assert states == {
        "heading": "exact",  # an emoji added after it
        "unchanged": "exact",  # a paragraph inserted before it
        "quote": "fuzzy",  # a word changed inside the quote
        "deleted": "orphaned",  # its paragraph deleted
        "after": "exact",  # after the deleted paragraph
        "emoji": "exact",  # an emoji added after it
    }
    assert added.counts == {"exact": 4, "moved": 0, "fuzzy": 1, "orphaned": 1}
    for name in ("heading", "unchanged", "after", "emoji"):
        carried = anchoring_of(marks[name]).annotation
        assert carried.exact == marks[name].exact
        assert new.text[carried.start : carried.end] == carried.exact
    assert new.text.index("reached an agreement") != marks["unchanged"].start  # shifted by the insertion


def test_a_fuzzy_annotation_covers_the_changed_quote_and_goes_back_to_review(edited):
    _, added, marks = edited
    anchoring = anchoring_of(marks["quote"])
    carried = anchoring.annotation
    assert carried.exact == "We will sign the treaty tomorrow morning"
    assert 0.5 <= anchoring.score < 1
    assert carried.status == Annotation.Status.SUBMITTED
    assert anchoring.waiting


def test_exact_ones_keep_their_status_and_the_orphan_stays_with_the_old_version(edited):
    old, added, marks = edited
    assert anchoring_of(marks["unchanged"]).annotation.status == Annotation.Status.APPROVED
    orphan = anchoring_of(marks["deleted"])
    assert orphan.annotation is None
    assert orphan.waiting
    assert list(added.article.annotations.values_list("exact", flat=True)).count(marks["deleted"].exact) == 0
    # The old version keeps all of its own.
    assert old.annotations.live().count() == 6


def test_links_come_along_and_comments_and_history_stay_reachable(edited):
    _, _, marks = edited
    carried = anchoring_of(marks["quote"]).annotation
    assert [(link.role, link.source.name) for link in carried.links.all()] == [("said_by", "Anna Weber")]
    assert carried.created_by_id == marks["quote"].created_by_id
    origin = carried.anchoring.origin
    assert origin.comments.get().body == "Checked against the recording."
    event = AnnotationEvent.objects.get(annotation=carried)
    assert "Carried from version 1" in event.comment and "fuzzy" in event.comment


def test_the_new_version_takes_over_the_story(project, analyst):
    story = Story.objects.create(project=project, title="The deal")
    old = ArticleFactory(project=project, text=OLD, story=story)
    new = add_version(article=old, text=NEW, user=analyst).article
    assert list(story.articles.all()) == [new]
    assert new.replaces_id == old.pk
    old.refresh_from_db()
    assert old.story_id is None
    assert [version.pk for version in new.version_chain()] == [old.pk, new.pk]
    assert [version.pk for version in old.version_chain()] == [old.pk, new.pk]


def test_a_moved_paragraph_is_moved(project, analyst):
    old = ArticleFactory(project=project, text=OLD)
    quote = mark(old, analyst, "Critics called the deal rushed")
    lines = OLD.split("\n")
    moved_text = "\n".join([lines[0], lines[3], lines[1], lines[2], lines[4], lines[5]])
    new = add_version(article=old, text=moved_text, user=analyst).article
    anchoring = anchoring_of(quote)
    assert anchoring.state == "moved"
    assert anchoring.annotation.start == new.text.index("Critics called")


def test_an_edit_inside_a_grapheme_keeps_the_span_whole(project, analyst):
    old = ArticleFactory(project=project, text="Flags: 🇦🇹 and more words after it here.")
    annotation = mark(old, analyst, "Flags: 🇦🇹 and more")
    new = add_version(article=old, text="Flags: 🇦🇹🇩🇪 and more words after it here.", user=analyst).article
    carried = anchoring_of(annotation).annotation
    assert carried.exact == "Flags: 🇦🇹🇩🇪 and more"
    assert new.text[carried.start : carried.end] == carried.exact


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty"), ("  \n ", "empty"), (OLD, "same_text"), (OLD + "\r\n", "same_text")]
)
def test_an_empty_or_identical_text_is_refused(project, analyst, text, code):
    old = ArticleFactory(project=project, text=OLD)
    with pytest.raises(VersionRefused) as refusal:
        add_version(article=old, text=text, user=analyst)
    assert refusal.value.code == code
    assert not Article.objects.filter(replaces=old).exists()


def test_only_the_latest_version_gets_a_next_one(project, analyst):
    old = ArticleFactory(project=project, text=OLD)
    add_version(article=old, text=NEW, user=analyst)
    with pytest.raises(VersionRefused) as refusal:
        add_version(article=old, text=NEW + " More.", user=analyst)
    assert refusal.value.code == "not_latest"


def test_outsiders_add_no_version(project, outsider):
    old = ArticleFactory(project=project, text=OLD)
    with pytest.raises(PermissionDenied):
        add_version(article=old, text=NEW, user=outsider)


def test_the_database_refuses_a_version_of_another_projects_article(project):
    other = ArticleFactory(project=ProjectFactory(), text=OLD)
    with pytest.raises(IntegrityError, match="article_replaces_same_project"), transaction.atomic():
        ArticleFactory(project=project, text=NEW, replaces=other)


def test_the_database_refuses_an_anchoring_across_projects(edited):
    _, added, marks = edited
    foreign = ArticleFactory(project=ProjectFactory(), text=OLD)
    with pytest.raises(IntegrityError, match="anchoring_same_project"), transaction.atomic():
        Anchoring.objects.filter(origin=marks["quote"]).update(article=foreign)


def test_reviewers_confirm_adjust_and_drop(edited, reviewer, analyst):
    _, added, marks = edited
    new = added.article
    fuzzy, orphan = anchoring_of(marks["quote"]), anchoring_of(marks["deleted"])
    with pytest.raises(PermissionDenied):
        confirm_anchoring(anchoring=fuzzy, user=analyst)
    confirm_anchoring(anchoring=fuzzy, user=reviewer)
    with pytest.raises(AnchoringDecided):
        drop_anchoring(anchoring=fuzzy, user=reviewer)
    start = new.text.index("Analysts expect")
    adjust_anchoring(anchoring=orphan, user=reviewer, start=start, end=start + len("Analysts expect"))
    orphan.refresh_from_db()
    assert orphan.decision == "adjusted"
    assert orphan.annotation.exact == "Analysts expect"
    assert orphan.annotation.status == Annotation.Status.SUBMITTED
    assert not Anchoring.objects.filter(article=new).waiting().exists()


def test_dropping_deletes_the_carried_annotation_only(edited, reviewer):
    _, added, marks = edited
    fuzzy = anchoring_of(marks["quote"])
    drop_anchoring(anchoring=fuzzy, user=reviewer)
    fuzzy.annotation.refresh_from_db()
    assert fuzzy.annotation.deleted_at is not None
    marks["quote"].refresh_from_db()
    assert marks["quote"].deleted_at is None


def test_latest_versions_leave_out_replaced_articles(project, analyst):
    old = ArticleFactory(project=project, text=OLD)
    other = ArticleFactory(project=project)
    new = add_version(article=old, text=NEW, user=analyst).article
    assert set(Article.objects.latest_versions()) == {other, new}


def test_lists_search_exports_and_agreement_count_the_latest_version_only(project, analyst, other_analyst, reviewer):
    from apps.articles.views import list_context
    from apps.exports.rows import Selection
    from apps.review.agreement import project_agreement
    from apps.review.figures import kept_agreement
    from apps.search.results import Filters, matching_annotations, matching_articles

    old = ArticleFactory(project=project, text=OLD, title="Deal reached")
    for user in (analyst, other_analyst):
        mark(old, user, "reached an agreement on Tuesday", Annotation.Kind.FACT)
    assert [row.article_id for row in project_agreement(project).articles] == [old.pk]
    assert kept_agreement(project).articles[0].article_id == old.pk
    new = add_version(article=old, text=NEW, user=analyst).article

    class Request:
        user = analyst

    listed = list_context(Request(), {})["page"].object_list
    assert [article.pk for article in listed] == [new.pk]
    articles, _ = matching_articles(analyst, None, Filters(), {})
    assert list(articles.values_list("pk", flat=True)) == [new.pk]
    annotations, _ = matching_annotations(analyst, None, Filters())
    assert set(annotations.values_list("article_id", flat=True)) == {new.pk}
    selection = Selection(project_id=project.pk)
    assert list(selection.articles().values_list("pk", flat=True)) == [new.pk]
    assert set(selection.annotations().values_list("article_id", flat=True)) == {new.pk}
    # The old version's own page still exports its own annotations.
    assert set(
        Selection(project_id=project.pk, article_id=old.pk).annotations().values_list("article_id", flat=True)
    ) == {old.pk}
    assert [row.article_id for row in project_agreement(project).articles] == [new.pk]
    assert [row.article_id for row in kept_agreement(project).articles] == [new.pk]


def test_the_database_keeps_versions_in_one_line(project):
    old = ArticleFactory(project=project, text=OLD)
    ArticleFactory(project=project, text=NEW, replaces=old)
    with pytest.raises(IntegrityError, match="article_replaced_once"), transaction.atomic():
        ArticleFactory(project=project, text=NEW + " Another.", replaces=old)
