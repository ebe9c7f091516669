import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations.models import Link
from apps.directory.models import SourceMerge
from apps.directory.services import merge_sources
from apps.projects.models import Membership
from apps.sources.models import Source
from tests.conftest import client_for, member
from tests.factories import AnnotationFactory, ArticleFactory, LinkFactory, ProjectFactory, SourceFactory


def rows(html: str) -> list[str]:
    return re.findall(r'class="source-link" href="/sources/\d+/" dir="auto">([^<]+)<', html)


@pytest.fixture
def directory(project, analyst):
    lukashenko = SourceFactory(project=project, name="Alexander Lukashenko", aliases=["Лукашенко"])
    SourceFactory(project=project, name="Belta", kind=Source.Kind.OUTLET)
    SourceFactory(project=project, name="Ministry of Defence", kind=Source.Kind.ORGANISATION)
    SourceFactory(project=ProjectFactory(), name="Alexander Lukashenko of elsewhere")
    return lukashenko


def test_the_list_searches_names_and_aliases_folded_and_filters_by_kind_and_project(
    client, analyst, project, directory
):
    client = client_for(client, analyst)
    assert rows(client.get("/sources/").content.decode()) == ["Alexander Lukashenko", "Belta", "Ministry of Defence"]
    assert rows(client.get("/sources/", {"q": "лукашенко"}).content.decode()) == ["Alexander Lukashenko"]
    assert rows(client.get("/sources/", {"q": "Lukashenka"}).content.decode()) == ["Alexander Lukashenko"]
    assert rows(client.get("/sources/", {"kind": "outlet"}).content.decode()) == ["Belta"]
    assert rows(client.get("/sources/", {"project": project.pk, "kind": "organisation"}).content.decode()) == [
        "Ministry of Defence"
    ]


def test_the_list_refuses_a_project_or_kind_it_does_not_offer(client, analyst, directory):
    client = client_for(client, analyst)
    elsewhere = Source.objects.exclude(project__memberships__user=analyst).get()
    assert client.get("/sources/", {"project": elsewhere.project_id}).status_code == 422
    assert client.get("/sources/", {"kind": "planet"}).status_code == 422


def test_the_list_is_paged_and_answers_htmx_with_its_results_only(client, analyst, project):
    for n in range(30):
        SourceFactory(project=project, name=f"Person {n:02}")
    client = client_for(client, analyst)
    first = client.get("/sources/").content.decode()
    assert len(rows(first)) == 25 and "Page 1 of 2" in first
    assert rows(client.get("/sources/", {"page": 2}).content.decode()) == [f"Person {n}" for n in range(25, 30)]
    partial = client.get("/sources/", headers={"HX-Request": "true", "HX-Target": "source-results"})
    assert "<html" not in partial.content.decode() and len(rows(partial.content.decode())) == 25


def test_the_page_shows_details_articles_and_every_annotation_across_languages(client, analyst, project, directory):
    organisation = SourceFactory(project=project, name="Presidential Administration", kind=Source.Kind.ORGANISATION)
    directory.affiliation = organisation
    directory.url = "https://president.example/"
    directory.save()
    english = ArticleFactory(project=project, language="en", text="Lukashenko said the border is closed today.")
    german = ArticleFactory(project=project, language="de", text="Lukaschenko sagte, die Grenze sei geschlossen.")
    quote = AnnotationFactory(article=english, created_by=analyst, kind="quote", start=16, end=36)
    claim = AnnotationFactory(article=german, created_by=analyst, kind="claim", start=19, end=45)
    LinkFactory(annotation=quote, source=directory, role=Link.Role.SAID_BY)
    LinkFactory(annotation=claim, source=directory, role=Link.Role.CLAIMANT)
    ArticleFactory(project=project, title="An interview", author="alexander  LUKASHENKO")
    ArticleFactory(project=project, title="Another author's", author="Someone Else")

    html = client_for(client, analyst).get(f"/sources/{directory.pk}/").content.decode()

    assert "Лукашенко" in html and "https://president.example/" in html
    assert f'href="/sources/{organisation.pk}/"' in html
    assert f"/{english.pk}/?annotation={quote.pk}" in html and f"/{german.pk}/?annotation={claim.pk}" in html
    assert "the border is closed" in html and "die Grenze sei geschlossen" in html
    assert "Said by" in html and "Claimant" in html
    # The passage in its sentence.
    assert re.search(
        r'<span class="context">…?Lukashenko said </span><strong class="passage">the border is closed', html
    )
    claims = html[html.index('id="claims"') : html.index('id="articles"')]
    assert "die Grenze sei geschlossen" in claims and "the border is closed" not in claims
    articles = html[html.index('id="articles"') : html.index('id="history"')]
    assert "An interview" in articles and "Another author" not in articles


def test_newest_or_oldest_first(client, analyst, project, directory):
    for year in (2019, 2023, 2021):
        article = ArticleFactory(
            project=project, title=f"Of {year}", published_on=date(year, 1, 1), publisher=directory
        )
        LinkFactory(annotation=AnnotationFactory(article=article, created_by=analyst), source=directory)
    client = client_for(client, analyst)
    newest = client.get(f"/sources/{directory.pk}/").content.decode()
    oldest = client.get(f"/sources/{directory.pk}/", {"order": "oldest"}).content.decode()
    assert re.findall(r">Of (\d+)<", newest) == ["2023", "2021", "2019"] * 2
    assert re.findall(r">Of (\d+)<", oldest) == ["2019", "2021", "2023"] * 2


def test_a_source_of_another_project_is_not_found(client, analyst, directory):
    elsewhere = Source.objects.exclude(project__memberships__user=analyst).get()
    assert client_for(client, analyst).get(f"/sources/{elsewhere.pk}/").status_code == 404


def test_blind_analysts_see_neither_others_annotations_nor_their_count(client, analyst, other_analyst, project):
    project.blind = True
    project.save()
    source = SourceFactory(project=project, name="Roman Protasevich")
    article = ArticleFactory(project=project, text="Protasevich was detained in Minsk after the flight landed.")
    own = AnnotationFactory(article=article, created_by=analyst, start=0, end=11)
    others = AnnotationFactory(article=article, created_by=other_analyst, start=16, end=24)
    LinkFactory(annotation=own, source=source)
    LinkFactory(annotation=others, source=source)
    client = client_for(client, analyst)

    page = client.get(f"/sources/{source.pk}/").content.decode()
    assert f"?annotation={own.pk}" in page and f"?annotation={others.pk}" not in page
    assert re.search(r'Annotations linked to it <span class="count">1</span>', page)
    listed = client.get("/sources/", {"q": "Protasevich"}).content.decode()
    assert re.search(r"<td>1</td>\s*<td>0</td>", listed)

    article.curated_at = article.imported_at
    article.save()
    assert f"?annotation={others.pk}" in client.get(f"/sources/{source.pk}/").content.decode()


def test_the_merge_history_hides_moved_link_counts_from_blind_analysts(client, analyst, project):
    project.blind = True
    project.save()
    manager = member(project, Membership.Role.MANAGER, "boss")
    survivor, merged = SourceFactory(project=project, name="Belta"), SourceFactory(project=project, name="BelTA news")
    LinkFactory(annotation=AnnotationFactory(article=ArticleFactory(project=project)), source=merged)
    merge_sources(source=merged, into=survivor, user=manager)
    as_manager = client_for(client, manager).get(f"/sources/{survivor.pk}/").content.decode()
    assert "1 annotation link" in as_manager
    as_analyst = client_for(client, analyst).get(f"/sources/{survivor.pk}/").content.decode()
    assert "BelTA news" in as_analyst and "annotation link" not in as_analyst


def test_source_names_link_to_the_directory_from_the_workbench_and_the_lists(client, analyst, project, directory):
    article = ArticleFactory(project=project, language="en", publisher=directory, text="Lukashenko spoke on Friday.")
    annotation = AnnotationFactory(article=article, created_by=analyst, kind="quote", start=0, end=10)
    LinkFactory(annotation=annotation, source=directory, role=Link.Role.SAID_BY)
    client = client_for(client, analyst)
    address = f'href="/sources/{directory.pk}/"'
    assert address in client.get(f"/annotations/{annotation.pk}/").content.decode()  # the workbench's panel
    assert address in client.get(article.get_absolute_url()).content.decode()  # its list and publisher
    assert address in client.get("/search/annotations/").content.decode()
    assert address in client.get("/articles/").content.decode()
    assert address in client.get("/search/", {"q": "Lukashenko", "type": "source"}).content.decode()


def test_managers_merge_from_the_page_and_undo_from_its_history(client, project, directory):
    manager = member(project, Membership.Role.MANAGER, "boss")
    duplicate = SourceFactory(project=project, name="A. Lukashenko")
    LinkFactory(annotation=AnnotationFactory(article=ArticleFactory(project=project)), source=duplicate)
    client = client_for(client, manager)

    response = client.post(f"/sources/{duplicate.pk}/merge/", {"into": directory.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"/sources/{directory.pk}/"
    html = response.content.decode()
    assert "was merged into" in html and "Undo this merge" in html
    assert Link.objects.filter(source=directory).count() == 1
    merge = SourceMerge.objects.get()

    response = client.post(f"/sources/merges/{merge.pk}/undo/", follow=True)
    assert response.redirect_chain[-1][0] == f"/sources/{duplicate.pk}/"
    assert Link.objects.filter(source=duplicate).count() == 1
    assert "was undone" in response.content.decode()
    assert client.post(f"/sources/merges/{merge.pk}/undo/").status_code == 422


def test_a_partial_undo_says_what_it_could_not_restore(client, project, directory):
    manager = member(project, Membership.Role.MANAGER, "boss")
    duplicate = SourceFactory(project=project, name="A. Lukashenko")
    links = [
        LinkFactory(annotation=AnnotationFactory(article=ArticleFactory(project=project)), source=duplicate)
        for _ in range(2)
    ]
    merge = merge_sources(source=duplicate, into=directory, user=manager)
    links[0].delete()
    html = client_for(client, manager).post(f"/sources/merges/{merge.pk}/undo/", follow=True).content.decode()
    assert "Not restored: 1 of the 2 annotation links the merge moved changed or went since" in html
    # The survivor's history keeps the undo's account.
    history = client.get(f"/sources/{directory.pk}/").content.decode()
    assert "Undone by boss" in history and "1 of the 2 annotation links the merge moved" in history


def test_merging_is_the_managers_and_refusals_say_why(client, analyst, reviewer, project, directory, outsider):
    duplicate = SourceFactory(project=project, name="A. Lukashenko")
    for user in (analyst, reviewer):
        assert (
            client_for(client, user).post(f"/sources/{duplicate.pk}/merge/", {"into": directory.pk}).status_code == 403
        )
    page = client_for(client, analyst).get(f"/sources/{directory.pk}/").content.decode()
    assert "Merge this source into" not in page
    manager = member(project, Membership.Role.MANAGER, "boss")
    client = client_for(client, manager)
    elsewhere = Source.objects.exclude(project=project).first()
    refused = client.post(f"/sources/{duplicate.pk}/merge/", {"into": elsewhere.pk})
    assert refused.status_code == 422 and "same project" in refused.content.decode()
    refused = client.post(f"/sources/{duplicate.pk}/merge/", {"into": duplicate.pk})
    assert refused.status_code == 422
    assert client.post(f"/sources/{elsewhere.pk}/merge/", {"into": directory.pk}).status_code == 404
    assert Source.objects.filter(pk=duplicate.pk).exists()


def test_likely_duplicates_for_managers(client, analyst, project):
    manager = member(project, Membership.Role.MANAGER, "boss")
    SourceFactory(project=project, name="Arkady Mil-Man")
    SourceFactory(project=project, name="arkady milman", kind=Source.Kind.ORGANISATION)  # same name folded
    SourceFactory(project=project, name="Alexander Lukashenko")
    SourceFactory(project=project, name="Alexandr Lukashenko")  # close, same kind
    SourceFactory(project=project, name="Alexander Lukashenko Foundation", kind=Source.Kind.ORGANISATION)
    SourceFactory(project=project, name="Svetlana Tikhanovskaya")
    SourceFactory(project=ProjectFactory(), name="Svetlana Tikhanovskaja")

    html = client_for(client, manager).get("/sources/duplicates/").content.decode()
    pairs = re.findall(r"<tr>\s*<td><a[^>]*>([^<]+)</a>.*?<td><a[^>]*>([^<]+)</a>.*?<td>([^<]+)</td>", html, re.S)
    assert [(a, b, why.split(" (")[0]) for a, b, why in pairs] == [
        ("Arkady Mil-Man", "arkady milman", "Same name"),
        ("Alexander Lukashenko", "Alexandr Lukashenko", "Close names"),
    ]
    assert client_for(client, analyst).get("/sources/duplicates/").status_code == 403


def test_the_admin_links_an_annotations_sources_to_their_page(client, reviewer, project, directory):
    annotation = AnnotationFactory(article=ArticleFactory(project=project))
    LinkFactory(annotation=annotation, source=directory, role=Link.Role.CLAIMANT)
    html = client_for(client, reviewer).get(f"/admin/annotations/annotation/{annotation.pk}/change/").content.decode()
    assert f'<a class="source-link" href="/sources/{directory.pk}/">Alexander Lukashenko</a>' in html


def queries_for(client, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_list_and_the_page_cost_the_same_queries_with_ten_times_the_data(client, analyst, project, directory):
    client = client_for(client, analyst)

    def grow(n):
        for _ in range(n):
            article = ArticleFactory(project=project, publisher=directory, author=directory.name)
            LinkFactory(annotation=AnnotationFactory(article=article, created_by=analyst), source=directory)
            SourceFactory(project=project, affiliation=directory)

    grow(2)
    few = queries_for(client, "/sources/"), queries_for(client, f"/sources/{directory.pk}/")
    grow(20)
    assert (queries_for(client, "/sources/"), queries_for(client, f"/sources/{directory.pk}/")) == few
