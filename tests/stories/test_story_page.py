"""The story page: its articles side by side, named by its members; and the list of stories."""

import datetime
from html import unescape

import pytest
from django.urls import reverse

from apps.articles.models import Article, Story
from apps.articles.services import mark_curated
from apps.projects.models import Membership
from apps.stories.services import gather_story
from tests.conftest import client_for, member
from tests.factories import ArticleFactory, ProjectFactory, SourceFactory
from tests.stories.conftest import mark

LEFT_TEXT = (
    "Minister Alvarez signed the 2024 treaty in Lisbon.\n"
    "\n"
    "She said: “The treaty covers 17 ports.”\n"
    "Disclaimer: the views above are the author's own, not those of Harbour Weekly."
)
RIGHT_TEXT = (
    "Ministerin Alvarez unterzeichnete den Vertrag von 2024 in Lissabon.\nSie sagte: „Der Vertrag umfasst 17 Häfen.“"
)


def page(client, story, **params):
    response = client.get(reverse("stories:detail", args=[story.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def column_html(html: str, side: str) -> str:
    start = html.index(f'id="story-column-{side}"')
    end = html.index(
        'class="story-column-head story-column-head-right"' if side == "left" else '<aside class="sidebar">'
    )
    return html[start:end]


def test_the_samples_open_side_by_side_with_their_annotations_in_both_columns(client, analyst, samples, gathered_story):
    english, german = samples["en"], samples["de"]
    quote = mark(english, analyst, "quote", "This agreement should raise heavy concerns in the West.")
    fact = mark(german, analyst, "fact", "Pakistan")
    html = page(client_for(client, analyst), gathered_story)
    left, right = column_html(html, "left"), column_html(html, "right")
    # The first published (or, undated, the first imported) on the left.
    assert f'data-article="{english.pk}"' in left and 'lang="en"' in left
    assert f'data-article="{german.pk}"' in right and 'lang="de"' in right
    assert f'data-create-url="{reverse("annotations:create", args=[english.pk])}"' in left
    assert f'<mark class="hl hl-quote" data-ids="{quote.pk}">' in left
    assert f'data-ids="{fact.pk}"' in right and f'data-ids="{fact.pk}"' not in left
    # Every line of each text is there once, in order, with ids of its own column.
    assert f'id="article-{english.pk}-block-0"' in left and f'id="article-{german.pk}-block-0"' in right
    assert 'id="block-0"' not in html
    assert 'src="/static/js/workbench.js"' in html and 'id="selection-toolbar"' in html
    assert 'id="annotation-panel"' in html and 'id="find-bar"' in html


def test_paragraphs_that_correspond_share_a_row_and_one_sided_ones_are_labelled(client, analyst, project):
    left = ArticleFactory(project=project, text=LEFT_TEXT, language="en", published_on=datetime.date(2024, 5, 1))
    right = ArticleFactory(project=project, text=RIGHT_TEXT, language="de", published_on=datetime.date(2024, 5, 2))
    story = gather_story(articles=[right, left], user=analyst)
    html = page(client_for(client, analyst), story)
    left_html, right_html = column_html(html, "left"), column_html(html, "right")
    assert left_html.count('class="story-row') == right_html.count('class="story-row') == 3
    assert left_html.count("Only in this version") == 1 and "Only in this version" not in right_html
    label = left_html.index("Only in this version")
    assert left_html.index("Disclaimer") > label > left_html.index("17 ports")
    assert right_html.count('class="story-row not-here"') == 1
    # The row of "Only in this version" is the last of both columns: the disclaimer has no German counterpart.
    assert right_html.rindex("story-row not-here") > right_html.rindex("17 Häfen")


def test_right_to_left_columns_are_marked_so(client, analyst, project):
    english = ArticleFactory(project=project, text="Officials evacuated 120 people.", language="en")
    arabic = ArticleFactory(project=project, text="قال الوزير إن 120 شخصًا أُجلوا.", language="ar")
    story = gather_story(articles=[english, arabic], user=analyst)
    html = page(client_for(client, analyst), story)
    assert 'lang="ar" dir="rtl"' in column_html(html, "right")
    assert 'lang="en" dir="ltr"' in column_html(html, "left")


def test_a_story_of_three_shows_the_two_chosen(client, analyst, project):
    first, second, third = (
        ArticleFactory(project=project, title=f"Version {n}", published_on=datetime.date(2024, 1, 10 - n))
        for n in range(3)
    )
    story = gather_story(articles=[first, second, third], user=analyst)
    client_for(client, analyst)
    html = page(client, story)
    # By publication: the third is the earliest, then the second.
    assert f'data-article="{third.pk}"' in column_html(html, "left")
    assert f'data-article="{second.pk}"' in column_html(html, "right")
    assert '<select name="left">' in html and '<select name="right">' in html
    html = page(client, story, left=first.pk, right=third.pk)
    assert f'data-article="{first.pk}"' in column_html(html, "left")
    assert f'data-article="{third.pk}"' in column_html(html, "right")
    # Not one of the story's articles, or the same twice: the first two again.
    stranger = ArticleFactory(project=project)
    for params in ({"left": stranger.pk, "right": first.pk}, {"left": first.pk, "right": first.pk}, {"left": "x"}):
        html = page(client, story, **params)
        assert f'data-article="{third.pk}"' in column_html(html, "left")


def test_a_column_is_rendered_again_on_its_own_for_htmx(client, analyst, samples, gathered_story):
    client_for(client, analyst)
    url = reverse("stories:detail", args=[gathered_story.pk])
    fact = mark(samples["de"], analyst, "fact", "Pakistan")
    response = client.get(url, {"column": "right"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'data-ids="{fact.pk}"' in html and "story-row" in html
    bad = client.get(url, {"column": "middle"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400


def test_the_old_address_leads_to_the_story_page(client, analyst, gathered_story):
    response = client_for(client, analyst).get(f"/articles/stories/{gathered_story.pk}/")
    assert response.status_code == 301 and response["Location"] == reverse("stories:detail", args=[gathered_story.pk])


def test_members_rename_the_story_and_the_name_is_escaped(client, analyst, gathered_story):
    client_for(client, analyst)
    url = reverse("stories:rename", args=[gathered_story.pk])
    response = client.post(url, {"name": "  <script>alert(1)</script>   Treaty  "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Treaty" in html
    gathered_story.refresh_from_db()
    assert gathered_story.title == "<script>alert(1)</script> Treaty"
    page_html = page(client, gathered_story)
    assert "<script>alert(1)" not in page_html and "&lt;script&gt;alert(1)&lt;/script&gt; Treaty" in page_html
    # Without script: back to the page with a message.
    response = client.post(url, {"name": "Belarus–Pakistan agreement"})
    assert response.status_code == 302
    assert Story.objects.get(pk=gathered_story.pk).title == "Belarus–Pakistan agreement"


@pytest.mark.parametrize("name", ["", "   ", "x" * 501])
def test_a_name_that_cannot_be_saved_is_refused_with_422(client, analyst, gathered_story, name):
    before = gathered_story.title
    client_for(client, analyst)
    response = client.post(
        reverse("stories:rename", args=[gathered_story.pk]), {"name": name}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    response = client.post(reverse("stories:rename", args=[gathered_story.pk]), {"name": name})
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert Story.objects.get(pk=gathered_story.pk).title == before


def test_other_projects_stories_are_not_found(client, outsider, analyst, gathered_story):
    client_for(client, outsider)
    assert client.get(reverse("stories:detail", args=[gathered_story.pk])).status_code == 404
    response = client.post(reverse("stories:rename", args=[gathered_story.pk]), {"name": "Mine now"})
    assert response.status_code == 404
    assert Story.objects.get(pk=gathered_story.pk).title != "Mine now"
    assert gathered_story.title not in client.get(reverse("stories:list")).content.decode()


def test_story_list_shows_names_languages_outlets_and_first_publication(client, analyst, project):
    outlet, other_outlet = (SourceFactory(project=project, name=name, kind="outlet") for name in ("Raksha", "Z & Co"))
    english = ArticleFactory(project=project, language="en", publisher=outlet, published_on=datetime.date(2024, 3, 2))
    german = ArticleFactory(
        project=project, language="de", publisher=other_outlet, published_on=datetime.date(2024, 2, 28)
    )
    undated = ArticleFactory(project=project, language="de")
    story = gather_story(articles=[english, german, undated], user=analyst)
    elsewhere = ArticleFactory(project=ProjectFactory(), language="fr")
    other = Story.objects.create(project=elsewhere.project, title="Somebody else's story")
    Article.objects.filter(pk=elsewhere.pk).update(story=other)
    html = client_for(client, analyst).get(reverse("stories:list")).content.decode()
    assert f'href="{reverse("stories:detail", args=[story.pk])}"' in html
    row = html[html.index(f'href="{reverse("stories:detail", args=[story.pk])}"') :]
    row = row[: row.index("</tr>")]
    assert "English, German" in unescape(row) or "German, English" in unescape(row)
    assert "Raksha, Z &amp; Co" in row and "2024-02-28" in row and ">3<" in row
    assert "Somebody else" not in html and "French" not in html
    assert f'href="{reverse("stories:list")}">Stories</a>' in html  # in the header


def test_story_list_costs_the_same_queries_whatever_its_size(client, analyst, project, django_assert_num_queries):
    client_for(client, analyst)
    for _ in range(2):
        gather_story(articles=[ArticleFactory(project=project), ArticleFactory(project=project)], user=analyst)
    client.get(reverse("stories:list"))
    with django_assert_num_queries(5):  # session, user with roles, count, stories, new replies
        client.get(reverse("stories:list"))
    for _ in range(5):
        gather_story(articles=[ArticleFactory(project=project), ArticleFactory(project=project)], user=analyst)
    with django_assert_num_queries(5):
        assert client.get(reverse("stories:list")).content.decode().count("<tr>") == 8


def test_in_a_blind_project_an_analyst_sees_only_their_own_annotations_until_curated(client, db):
    project = ProjectFactory(blind=True)
    ana = member(project, Membership.Role.ANALYST, "ana_story")
    ben = member(project, Membership.Role.ANALYST, "ben_story")
    rita = member(project, Membership.Role.REVIEWER, "rita_story")
    left = ArticleFactory(project=project, text=LEFT_TEXT, language="en")
    right = ArticleFactory(project=project, text=RIGHT_TEXT, language="de")
    story = gather_story(articles=[left, right], user=ana)
    own = mark(right, ana, "claim", "Vertrag von 2024")
    others = [mark(left, ben, "quote", "The treaty covers 17 ports."), mark(right, ben, "fact", "17 Häfen")]
    html = page(client_for(client, ana), story)
    assert f'data-ids="{own.pk}"' in html
    assert all(f'data-ids="{other.pk}"' not in html for other in others) and "ben_story" not in html
    column = client.get(reverse("stories:detail", args=[story.pk]), {"column": "left"}, headers={"HX-Request": "true"})
    assert f'data-ids="{others[0].pk}"' not in column.content.decode()
    # Reviewers see everyone's; once the left article is curated, so does ana there.
    html = page(client_for(client, rita), story)
    assert all(f'data-ids="{other.pk}"' in html for other in others)
    mark_curated(article=left, user=rita)
    html = page(client_for(client, ana), story)
    assert f'data-ids="{others[0].pk}"' in html and f'data-ids="{others[1].pk}"' not in html


def test_a_story_of_one_article_shows_it_alone_and_one_of_none_says_so(client, analyst, project):
    first, second = ArticleFactory(project=project, text=LEFT_TEXT), ArticleFactory(project=project)
    story = gather_story(articles=[first, second], user=analyst)
    Article.objects.filter(pk=second.pk).update(story=None)
    client_for(client, analyst)
    html = page(client, story)
    assert f'data-article="{first.pk}"' in html and 'id="story-column-right"' not in html
    assert "Only in this version" not in html and html.count('class="story-row"') == 1
    Article.objects.filter(pk=first.pk).update(story=None)
    html = page(client, story)
    assert "No articles in this story any more." in html and 'id="story-column' not in html


def test_a_rename_is_kept_in_the_story_history_with_who_made_it(client, analyst, gathered_story):
    before = gathered_story.title
    client_for(client, analyst).post(reverse("stories:rename", args=[gathered_story.pk]), {"name": "The agreement"})
    event = gathered_story.history.filter(pgh_label="changed").select_related("pgh_context").get()
    assert event.title == "The agreement" and event.pgh_context.metadata["user"] == analyst.pk
    assert gathered_story.history.get(pgh_label="created").title == before


def only_here(column: str) -> list[str]:
    """The texts of a column's rows labelled as found in this version only."""
    rows = column.split('class="story-row')[1:]
    return [unescape(row) for row in rows if row.startswith(' only-here"')]


def test_the_samples_parts_in_one_version_only_are_labelled_in_their_column(client, analyst, gathered_story):
    html = page(client_for(client, analyst), gathered_story)
    left, right = only_here(column_html(html, "left")), only_here(column_html(html, "right"))
    assert any("views expressed are of the writer" in row for row in left)
    assert any("WhatsApp" in row for row in right)
    assert not any("WhatsApp" in row for row in left) and not any("Raksha" in row for row in right)
    assert all("Only in this version" in row for row in left + right)
