"""Members correct an article's title and metadata on its details page; the text never changes,
and the history says who changed what."""

import datetime
from html import unescape

import pytest
from django.urls import reverse

from apps.articles.models import Article
from apps.sources.models import Source
from tests.conftest import client_for
from tests.factories import ArticleFactory, SourceFactory
from tests.test_pages import html_problems

pytestmark = pytest.mark.django_db


def details(article) -> str:
    return reverse("articles:details", args=[article.pk])


def form_data(article, **changes) -> dict:
    data = {
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "publisher_name": article.publisher.name if article.publisher_id else "",
        "published_on": article.published_on.isoformat() if article.published_on else "",
        "language": article.language,
    }
    return data | changes


def test_an_analyst_corrects_the_title_and_metadata_and_the_history_names_them(client, analyst, project):
    article = ArticleFactory(project=project, title="Belarus an integral part of Russia - Lukashenko", language="und")
    text = article.text
    client_for(client, analyst)
    workbench = client.get(article.get_absolute_url()).content.decode()
    assert details(article) in workbench  # the workbench leads to the details

    response = client.post(
        details(article),
        form_data(
            article,
            title="Belarus is an integral part of Russia, says Lukashenko",
            author="Ana Reporter",
            publisher_name="Raksha Anirveda",
            published_on="2025-03-04",
            language="en",
        ),
    )

    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    article.refresh_from_db()
    assert article.title == "Belarus is an integral part of Russia, says Lukashenko"
    assert article.author == "Ana Reporter"
    assert article.published_on == datetime.date(2025, 3, 4)
    assert article.language == "en"
    assert article.publisher.name == "Raksha Anirveda" and article.publisher.kind == "outlet"
    assert article.publisher.project_id == project.pk
    assert article.text == text
    page = unescape(client.get(details(article)).content.decode())
    assert "analyst1" in page
    assert "Belarus an integral part of Russia - Lukashenko" in page  # before
    assert "Belarus is an integral part of Russia, says Lukashenko" in page  # after
    assert html_problems(page) == []


def test_a_publisher_named_like_an_existing_outlet_is_that_outlet(client, analyst, project):
    outlet = SourceFactory(project=project, name="Raksha Anirveda", kind="outlet")
    article = ArticleFactory(project=project)
    client_for(client, analyst).post(details(article), form_data(article, publisher_name="raksha  anirveda"))
    article.refresh_from_db()
    assert article.publisher_id == outlet.pk
    assert Source.objects.filter(project=project).count() == 1


def test_an_empty_title_or_a_script_address_is_refused_and_nothing_changes(client, analyst, project):
    article = ArticleFactory(project=project, title="Kept", url="https://news.example/kept")
    client_for(client, analyst)
    for changes, message in (
        ({"title": "   "}, "An article needs a title."),
        ({"url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"language": "xx"}, "Select a valid choice"),
        ({"published_on": "yesterday"}, "Enter a valid date."),
    ):
        response = client.post(details(article), form_data(article, author="Changed", **changes))
        assert response.status_code == 422
        page = unescape(response.content.decode())
        assert message in page and "aria-invalid" in page
        article.refresh_from_db()
        assert (article.title, article.url, article.author) == ("Kept", "https://news.example/kept", "")


def test_the_title_stays_text(client, analyst, project):
    article = ArticleFactory(project=project)
    client_for(client, analyst).post(details(article), form_data(article, title="<script>alert(1)</script> Title"))
    page = client.get(details(article)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Title" in page


def test_outsiders_get_404_and_nothing_changes(client, outsider, project):
    article = ArticleFactory(project=project, title="Kept")
    client_for(client, outsider)
    assert client.get(details(article)).status_code == 404
    assert client.post(details(article), form_data(article, title="Taken")).status_code == 404
    assert Article.objects.get(pk=article.pk).title == "Kept"
