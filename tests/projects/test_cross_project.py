"""Rows of two projects never refer to each other, whatever path writes them.

The admin's forms offer and accept only rows of the edited row's project and never move a row
to another project; underneath, the database refuses a reference between two projects from
any path (a `QuerySet.update`, a raw insert, a COPY)."""

import re
from dataclasses import dataclass

import pytest
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation, Comment, Link
from apps.articles.models import Article, Story, StoryMatch
from apps.exports.models import ExportJob
from apps.imports.models import ImportJob, JobOutcome
from apps.projects.models import Membership, Project, database_refusal
from apps.sources.models import Source
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    LinkFactory,
    MembershipFactory,
    ProjectFactory,
    SourceFactory,
    UserFactory,
)


@dataclass
class Side:
    project: Project
    article: Article
    story: Story
    source: Source
    annotation: Annotation
    job: ImportJob


def side(name: str, author) -> Side:
    project = ProjectFactory(name=f"Project {name}")
    MembershipFactory(project=project, user=author, role=Membership.Role.ANALYST)
    story = Story.objects.create(project=project, title=f"Story {name}")
    article = ArticleFactory(project=project, title=f"Title {name}", story=story)
    annotation = AnnotationFactory(article=article, created_by=author)
    return Side(
        project=project,
        article=article,
        story=story,
        source=SourceFactory(project=project, name=f"Source {name}", kind=Source.Kind.ORGANISATION),
        annotation=annotation,
        job=ImportJob.objects.create(project=project, created_by=author),
    )


@pytest.fixture
def two(db):
    """Projects A and B, and a user who reviews A and is an analyst in B."""
    author = UserFactory(username="author")
    a, b = side("A", author), side("B", author)
    both = UserFactory(username="both")
    MembershipFactory(project=a.project, user=both, role=Membership.Role.REVIEWER)
    MembershipFactory(project=b.project, user=both, role=Membership.Role.ANALYST)
    return a, b, both


def article_form(article: Article, **changes) -> dict:
    data = {
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "language": article.language,
        "publisher": article.publisher_id or "",
        "published_on": "",
        "story": article.story_id or "",
        "_save": "Save",
    }
    return {**data, **changes}


def source_form(source: Source, **changes) -> dict:
    data = {
        "project": source.project_id,
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "description": source.description,
        "aliases": "",
        "affiliation": source.affiliation_id or "",
        "_save": "Save",
    }
    return {**data, **changes}


def change_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def refused_in_form(response, field: str) -> str:
    """The form came back with an error on `field`; its text."""
    assert response.status_code == 200, response.status_code
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    return " ".join(errors[field])


# Through the admin, as a reviewer of A who is an analyst in B.


def test_the_admin_refuses_another_projects_story_for_an_article(client, two):
    a, b, both = two
    client.force_login(both)
    response = client.post(change_url(a.article), article_form(a.article, story=b.story.pk))
    refused_in_form(response, "story")
    a.article.refresh_from_db()
    assert a.article.story == a.story


def test_the_admin_refuses_another_projects_source_as_publisher(client, two):
    a, b, both = two
    client.force_login(both)
    response = client.post(change_url(a.article), article_form(a.article, publisher=b.source.pk))
    refused_in_form(response, "publisher")
    a.article.refresh_from_db()
    assert a.article.publisher is None


def test_the_admin_refuses_to_affiliate_a_source_with_another_projects(client, two):
    a, b, both = two
    client.force_login(both)
    response = client.post(change_url(a.source), source_form(a.source, affiliation=b.source.pk))
    refused_in_form(response, "affiliation")
    a.source.refresh_from_db()
    assert a.source.affiliation is None


def test_a_new_source_is_refused_an_affiliation_in_another_project(client, two):
    a, b, both = two
    client.force_login(both)
    data = source_form(Source(project=a.project, name="Newcomer", kind=Source.Kind.PERSON), affiliation=b.source.pk)
    response = client.post("/admin/sources/source/add/", data)
    message = refused_in_form(response, "affiliation")
    assert "same project" in message
    assert not Source.objects.filter(name="Newcomer").exists()


@pytest.mark.parametrize("what", ["source", "story"])
def test_the_admin_never_moves_a_row_to_another_project(client, two, what):
    a, b, both = two
    client.force_login(both)
    row = getattr(a, what)
    page = client.get(change_url(row))
    assert page.status_code == 200
    assert "project" not in page.context["adminform"].form.fields  # shown, not editable
    data = source_form(row, project=b.project.pk) if what == "source" else {"project": b.project.pk, "title": "Moved"}
    client.post(change_url(row), data)
    row.refresh_from_db()
    assert row.project == a.project


def test_the_admin_offers_only_rows_of_the_articles_project(client, two):
    a, b, both = two
    client.force_login(both)
    form = client.get(change_url(a.article)).context["adminform"].form
    assert set(form.fields["story"].queryset) == {a.story}
    assert set(form.fields["publisher"].queryset) == {a.source}
    # The type-ahead asks for sources of the article's project only.
    page = client.get(change_url(a.article)).content.decode()
    address = re.search(r'name="publisher"[^>]*data-ajax--url="([^"]+)"', page) or re.search(
        r'data-ajax--url="([^"]+)"[^>]*name="publisher"', page
    )
    assert address, "no type-ahead for the publisher"
    # As the type-ahead's script asks: its own parameters after those of the address.
    url = address.group(1).replace("&amp;", "&")
    answer = client.get(f"{url}&term=Source&app_label=articles&model_name=article&field_name=publisher")
    assert answer.status_code == 200
    assert [result["text"] for result in answer.json()["results"]] == ["Source A"]


def test_a_refusal_of_the_database_comes_back_as_a_message_not_a_500(client, two, monkeypatch):
    """Should a form let a pair of projects through, the admin says what the database refused."""
    a, b, both = two
    client.force_login(both)
    monkeypatch.setattr("apps.projects.admin.ProjectScopedAdmin.get_form", same_form_without_scoping())
    monkeypatch.setattr("apps.articles.models.Article.clean", lambda self: None)
    response = client.post(change_url(a.article), article_form(a.article, story=b.story.pk), follow=True)
    assert response.status_code == 200
    assert "outside this row&#x27;s project" in response.content.decode()
    a.article.refresh_from_db()
    assert a.article.story == a.story


def same_form_without_scoping():
    from django.contrib import admin

    def get_form(self, request, obj=None, change=False, **kwargs):
        return admin.ModelAdmin.get_form(self, request, obj, change=change, **kwargs)

    return get_form


# Underneath, the database.


def attacks(a: Side, b: Side) -> dict:
    """Each writes one reference from a row of A to a row of B, as no form would."""
    return {
        "article into B's story": lambda: Article.objects.filter(pk=a.article.pk).update(story=b.story),
        "B's source as publisher": lambda: Article.objects.filter(pk=a.article.pk).update(publisher=b.source),
        "B's article as earlier version": lambda: Article.objects.filter(pk=a.article.pk).update(replaces=b.article),
        "new article replacing B's": lambda: ArticleFactory(project=a.project, replaces=b.article),
        "affiliated with B's source": lambda: Source.objects.filter(pk=a.source.pk).update(affiliation=b.source),
        "new source affiliated with B's": lambda: SourceFactory(project=a.project, affiliation=b.source),
        "source moved to B": lambda: Source.objects.filter(pk=a.source.pk).update(project=b.project),
        "story moved to B": lambda: Story.objects.filter(pk=a.story.pk).update(project=b.project),
        "article moved to B": lambda: Article.objects.filter(pk=a.article.pk).update(project=b.project),
        "bare article moved to B": lambda: Article.objects.filter(pk=ArticleFactory(project=a.project).pk).update(
            project=b.project
        ),
        "link to B's source": lambda: Link.objects.create(annotation=a.annotation, source=b.source, role="cited"),
        "link moved to B's source": lambda: Link.objects.filter(
            pk=LinkFactory(annotation=a.annotation, source=a.source).pk
        ).update(source=b.source),
        "annotation moved to B's article": lambda: Annotation.objects.filter(pk=a.annotation.pk).update(
            article=b.article
        ),
        "story match across": lambda: StoryMatch.objects.create(
            article=a.article, other=b.article, kind="translation", score=1
        ),
        "story matches across, in bulk": lambda: StoryMatch.objects.bulk_create(
            [
                StoryMatch(article=a.article, other=b.article, kind="translation", score=1),
                StoryMatch(article=b.article, other=a.article, kind="translation", score=1),
            ]
        ),
        "export of B's article": lambda: ExportJob.objects.create(
            project=a.project, article=b.article, format="csv", base_url="http://x", created_by=a.annotation.created_by
        ),
        "export of B's story": lambda: ExportJob.objects.create(
            project=a.project, story=b.story, format="csv", base_url="http://x", created_by=a.annotation.created_by
        ),
        "import outcome naming B's article": lambda: JobOutcome.objects.create(
            job=a.job, position=1, label="x", status="duplicate", article=b.article
        ),
        "import job moved to B": lambda: ImportJob.objects.filter(pk=a.job.pk).update(project=b.project),
    }


ATTACKS = list(attacks(None, None))


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_database_refuses_a_reference_between_two_projects(two, attack):
    a, b, _ = two
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        attacks(a, b)[attack]()
    assert database_refusal(refused.value), str(refused.value)
    assert "project" in str(refused.value)


def test_references_within_one_project_are_kept(two):
    a, _, _ = two
    other = ArticleFactory(
        project=a.project, story=a.story, publisher=a.source, replaces=a.article, text=a.article.text + " Updated."
    )
    Source.objects.filter(pk=a.source.pk).update(affiliation=SourceFactory(project=a.project))
    LinkFactory(annotation=a.annotation, source=a.source)
    StoryMatch.objects.bulk_create([StoryMatch(article=a.article, other=other, kind="translation", score=1)])
    ExportJob.objects.create(
        project=a.project, article=other, story=a.story, format="csv", base_url="x", created_by=a.annotation.created_by
    )
    JobOutcome.objects.create(job=a.job, position=1, label="x", status="imported", article=other)
    Annotation.objects.filter(pk=a.annotation.pk).update(article=other)
    Project.objects.filter(pk=a.project.pk).update(name="Renamed")  # the project itself may change
    assert Article.objects.get(pk=other.pk).story == a.story


def test_deleting_rows_and_whole_projects_still_works(two):
    a, b, author = two
    other = ArticleFactory(project=a.project, story=a.story, publisher=a.source, replaces=a.article)
    affiliate = SourceFactory(project=a.project, affiliation=a.source)
    LinkFactory(annotation=a.annotation, source=SourceFactory(project=a.project))
    Comment.objects.create(annotation=a.annotation, author=a.annotation.created_by, body="Checked.")
    StoryMatch.objects.create(article=a.article, other=other, kind="translation", score=1)
    ExportJob.objects.create(
        project=a.project, article=other, story=a.story, format="csv", base_url="x", created_by=a.annotation.created_by
    )
    JobOutcome.objects.create(job=a.job, position=1, label="x", status="imported", article=other)

    a.story.delete()
    a.source.delete()
    other.refresh_from_db()
    affiliate.refresh_from_db()
    assert other.story is None and other.publisher is None and affiliate.affiliation is None
    a.article.delete()
    a.project.delete()
    assert not Article.objects.filter(project_id=a.project.pk).exists()
    assert Article.objects.filter(pk=b.article.pk).exists()
