import re
from html import unescape

import pytest

from apps.articles.matching import match_stories
from apps.articles.models import StoryMatch
from apps.projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory

URDU_TITLE = "پاکستان اور بیلاروس کا معاہدہ"


def rows(response) -> list[list[str]]:
    """The article table as its cells' text, one list per article."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def options(response, name) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', response.content.decode(), re.S).group(1)
    return [unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def selected(response, name) -> str:
    select = re.search(rf'<select name="{name}">(.*?)</select>', response.content.decode(), re.S).group(1)
    return unescape(re.search(r"<option[^>]*selected>([^<]*)</option>", select).group(1))


@pytest.fixture
def two_projects(analyst, project):
    """The analyst's two projects, each with articles in two languages, and a project they are not in."""
    second = ProjectFactory(name="Second inquiry")
    MembershipFactory(project=second, user=analyst, role=Membership.Role.ANALYST)
    ArticleFactory(project=project, title="Deal signed in Minsk", language="en")
    ArticleFactory(project=project, title=URDU_TITLE, language="ur")
    ArticleFactory(project=second, title="Deal talks resume", language="en")
    ArticleFactory(project=second, title="Sans titre", language="und")
    ArticleFactory(project=ProjectFactory(name="Hidden inquiry"), title="Deal elsewhere", language="fa")
    return project, second


def test_article_list_names_languages(analyst_client, two_projects):
    response = analyst_client.get("/articles/")
    languages = {row[0]: row[1] for row in rows(response)}
    assert languages == {
        "Deal signed in Minsk": "English",
        URDU_TITLE: "Urdu",
        "Deal talks resume": "English",
        "Sans titre": "Unknown",
    }


def test_article_list_filters_by_project_and_language(analyst_client, two_projects):
    project, second = two_projects
    response = analyst_client.get("/articles/")
    assert options(response, "project") == ["All projects", project.name, "Second inquiry"]
    assert options(response, "language") == ["All languages", "English", "Unknown", "Urdu"]

    response = analyst_client.get("/articles/", {"project": second.pk})
    assert [row[0] for row in rows(response)] == ["Sans titre", "Deal talks resume"]
    assert selected(response, "project") == "Second inquiry"

    response = analyst_client.get("/articles/", {"language": "en", "q": "deal"})
    assert [row[0] for row in rows(response)] == ["Deal talks resume", "Deal signed in Minsk"]
    assert selected(response, "language") == "English"

    response = analyst_client.get("/articles/", {"language": "en", "project": project.pk, "q": "deal"})
    assert [row[0] for row in rows(response)] == ["Deal signed in Minsk"]


def test_article_list_filters_keep_to_the_users_projects(analyst_client, two_projects):
    hidden = ArticleFactory(title="Only for others", language="fa")
    response = analyst_client.get("/articles/", {"project": hidden.project_id})
    assert "Only for others" not in response.content.decode()
    assert hidden.project.name not in response.content.decode()
    assert "Persian" not in options(response, "language")


def test_article_list_pages_keep_the_filters(analyst_client, project, django_assert_num_queries):
    ArticleFactory.create_batch(55, project=project, language="de")
    ArticleFactory.create_batch(3, project=project, language="en")
    with django_assert_num_queries(5):  # session, user with their roles, facets with the count, page, new replies
        response = analyst_client.get("/articles/", {"language": "de", "project": project.pk, "q": "Article"})
    assert len(rows(response)) == 50
    assert "Page 1 of 2" in response.content.decode()
    next_page = re.search(r'href="(\?[^"]*page=2[^"]*)"', response.content.decode()).group(1)
    assert f"language=de&amp;project={project.pk}&amp;q=Article" in next_page
    response = analyst_client.get("/articles/" + unescape(next_page))
    assert len(rows(response)) == 5
    assert {row[1] for row in rows(response)} == {"German"}


@pytest.mark.parametrize("query", ["\x00", "deal\x00", "\x00\x00"])
def test_search_with_a_nul_character_is_no_server_error(analyst_client, two_projects, query):
    response = analyst_client.get("/articles/", {"q": query, "language": "en\x00"})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_workbench_names_the_articles_language(analyst_client, project):
    article = ArticleFactory(project=project, title=URDU_TITLE, text="یہ ایک مضمون ہے۔", language="ur")
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    assert "<dt>Language</dt><dd>Urdu</dd>" in html
    # The labels read left to right, in English, whatever the article's own direction.
    assert '<dl lang="en" dir="ltr">' in html


def test_workbench_shows_a_title_that_opens_the_text_once(analyst_client, project):
    article = ArticleFactory(
        project=project,
        title="Belarus and  Pakistan sign a deal",
        text="Belarus and Pakistan sign a deal\nMinsk, Monday.",
    )
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    # Screen readers still find the page's heading; the eye reads the title in the text.
    assert '<h1 dir="auto" class="visually-hidden">Belarus and  Pakistan sign a deal</h1>' in html
    assert '<p class="block" id="block-0" data-start="0" dir="auto">Belarus and Pakistan sign a deal</p>' in html


def test_workbench_shows_a_title_the_text_does_not_open_with(analyst_client, project):
    article = ArticleFactory(project=project, title="A deal", text="Belarus and Pakistan sign a deal.\nMinsk.")
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    assert '<h1 dir="auto">A deal</h1>' in html


def test_suggestion_says_in_words_what_the_texts_share(analyst_client, project):
    text = "Arkady Mil-Man of INSS said Lukashenko met Sharif in Minsk on 11 April 2025; 19 officers and 2025-27 plans."
    article = ArticleFactory(project=project, text=text, language="en")
    other = ArticleFactory(
        project=project,
        text="Arkady Mil-Man (INSS) sagte, Lukaschenko habe Sharif in Minsk am 11. April 2025 getroffen; 19 Offiziere, Pläne 2025-27.",
        language="de",
    )
    match_stories(article_ids=[other.pk])
    html = analyst_client.get(article.get_absolute_url()).content.decode()
    suggestion = re.search(r'<aside class="suggestions".*?</aside>', html, re.S).group(0)
    assert other.title in suggestion and "(German)" in suggestion
    shared = unescape(
        re.sub(r"<[^>]+>", "", re.search(r'<span class="shared">(.*?)</span>\s*<form', suggestion, re.S).group(1))
    )
    # Names as the text writes them (the fingerprint holds "@inss"), in the order it names them.
    assert shared == "Both name Arkady, Mil-Man, INSS and 3 more, and share 4 numbers (2025-27, 2025, 11, …)."
    assert "<bdi>INSS</bdi>" in suggestion


def test_each_suggestion_spells_its_own_names_as_the_text_writes_them(project):
    article = ArticleFactory(
        project=project, text="Arkady Mil-Man of INSS said Lukashenko met Sharif in Minsk on 11 April 2025."
    )
    first, second = ArticleFactory(project=project), ArticleFactory(project=project)
    StoryMatch.objects.create(
        article=article, other=first, kind="translation", score=0.5, signals=["@belarus", "@minsk", "@sharif"]
    )
    StoryMatch.objects.create(
        article=article, other=second, kind="translation", score=0.5, signals=["#2025", "@inss", "@mil-man"]
    )

    names = {other: match.names for other, match in article.related_suggestions()}

    assert names == {first: ("Sharif", "Minsk", "Belarus"), second: ("Mil-Man", "INSS")}
