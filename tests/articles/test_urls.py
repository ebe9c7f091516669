"""Only web addresses are kept for articles and sources, whichever way they come in."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.articles.models import Article
from apps.articles.services import store_articles
from apps.sources.models import Source
from tests.factories import ArticleFactory, SourceFactory

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://files.example/report.pdf",
    "//evil.example/x",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_storing_an_article_with_a_non_web_address_is_refused(project, url):
    article = Article(project=project, title="t", text="Some text of the article.", url=url)
    with pytest.raises(ValidationError, match="Only http:// and https:// addresses"):
        store_articles(articles=[article])
    assert not Article.objects.exists()


@pytest.mark.parametrize("url", HOSTILE)
def test_the_database_refuses_non_web_addresses_on_any_path(project, url):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(project=project, url=url)
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(project=project, url=url)


def test_web_addresses_are_kept_and_shown_as_links(analyst_client, project):
    article = ArticleFactory(project=project, url="https://news.example/a?b=1")
    SourceFactory(project=project, url="http://ministry.example/")
    assert Source.objects.get().url == "http://ministry.example/"
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    assert 'href="https://news.example/a?b=1"' in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/x"])
def test_source_admin_form_refuses_a_non_web_address(client, project, url):
    from tests.conftest import member

    client.force_login(member(project, "manager", "boss"))
    response = client.post(
        "/admin/sources/source/add/",
        {"project": project.pk, "name": "Ministry", "kind": "organisation", "url": url, "aliases": ""},
    )
    assert response.status_code == 200
    assert '<ul class="errorlist"' in response.content.decode()
    assert not Source.objects.exists()


def test_admin_refuses_a_second_spelling_of_an_existing_source(client, project):
    from tests.conftest import member

    SourceFactory(project=project, name="Ron Huldai", kind="person")
    client.force_login(member(project, "manager", "boss"))
    response = client.post(
        "/admin/sources/source/add/",
        {"project": project.pk, "name": "ron  HULDAI", "kind": "person", "url": "", "aliases": ""},
    )
    assert response.status_code == 200
    assert "This project has “Ron Huldai” already" in response.content.decode()
    assert Source.objects.count() == 1


def test_searches_ignore_accents_like_the_source_search(client, project):
    from tests.conftest import member
    from tests.factories import AnnotationFactory

    article = ArticleFactory(project=project, title="Protest in Łódź", text="Ramírez said the march in Łódź was calm.")
    AnnotationFactory(article=article, start=0, end=7)
    client.force_login(member(project, "manager", "boss"))
    assert "Protest in Łódź" in client.get("/articles/", {"q": "lodz"}).content.decode()
    assert "Protest in Łódź" in client.get("/admin/articles/article/", {"q": "lodz"}).content.decode()
    assert "0 of 1 selected" in client.get("/admin/annotations/annotation/", {"q": "ramirez"}).content.decode()
