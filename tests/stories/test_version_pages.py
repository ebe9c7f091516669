"""The article page's versions, the versions page with its diff and new-version form, and the
reviewers' queue of carried annotations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.stories.models import Anchoring
from apps.stories.versions import add_version
from tests.conftest import client_for
from tests.factories import ArticleFactory
from tests.stories.test_versions import NEW, OLD, mark


@pytest.fixture
def versions(project, analyst):
    old = ArticleFactory(project=project, text=OLD, title="Deal reached")
    mark(old, analyst, "We will sign the accord tomorrow morning")
    mark(old, analyst, "Critics called the deal rushed", Annotation.Kind.CLAIM)
    new = add_version(article=old, text=NEW, user=analyst).article
    return old, new


def test_the_article_page_says_which_version_and_links_the_others(client, analyst, versions):
    old, new = versions
    html = client_for(client, analyst).get(new.get_absolute_url()).content.decode()
    assert "Version 2 of 2" in html
    assert f'href="{old.get_absolute_url()}">Version 1<' in html
    html = client.get(old.get_absolute_url()).content.decode()
    assert "Version 1 of 2" in html and "(a later version exists)" in html
    assert f'href="{new.get_absolute_url()}">Version 2<' in html


def test_an_article_of_one_version_shows_no_switcher(client, analyst, article):
    html = client_for(client, analyst).get(article.get_absolute_url()).content.decode()
    assert "version-switcher" not in html
    assert "New version" in html


def test_the_diff_marks_what_changed_and_orphans_are_listed(client, analyst, versions):
    _, new = versions
    response = client_for(client, analyst).get(reverse("stories:versions", args=[new.pk]))
    html = response.content.decode()
    assert '<del class="diff-del">accord</del>' in html
    assert '<ins class="diff-ins">treaty</ins>' in html
    assert '<del class="diff-del">Critics called the deal rushed' in html
    assert "Orphaned" in html and "Critics called the deal rushed" in html.split('id="orphaned"')[1]
    assert "We will sign the treaty tomorrow morning" in html.split('id="carried-waiting"')[1]


def test_the_diff_escapes_the_texts(client, analyst, project):
    old = ArticleFactory(project=project, text="Plain words <b>bold</b> & more words here.")
    new = add_version(
        article=old, text="Plain words <script>alert(1)</script> & more words here.", user=analyst
    ).article
    html = client_for(client, analyst).get(reverse("stories:versions", args=[new.pk])).content.decode()
    diff = html.split('id="version-diff"')[1].split("</div>")[0]
    assert "<script>" not in diff and "<b>" not in diff
    assert "script&gt;alert(1)&lt;/script" in diff.split('<ins class="diff-ins">')[1]
    assert "&amp; more" in diff


def test_a_pasted_text_becomes_the_next_version(client, analyst, project):
    old = ArticleFactory(project=project, text=OLD)
    response = client_for(client, analyst).post(reverse("stories:versions", args=[old.pk]), {"text": NEW, "title": ""})
    new = Article.objects.get(replaces=old)
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.text == NEW and new.title == old.title


def test_an_uploaded_text_becomes_the_next_version(client, analyst, project):
    old = ArticleFactory(project=project, text=OLD)
    upload = SimpleUploadedFile("corrected.txt", NEW.encode())
    client_for(client, analyst).post(reverse("stories:versions", args=[old.pk]), {"upload": upload, "title": "Fixed"})
    new = Article.objects.get(replaces=old)
    assert (new.text, new.title, new.original_name) == (NEW, "Fixed", "corrected.txt")


@pytest.mark.parametrize("text", ["", OLD])
def test_an_empty_or_same_text_is_refused_with_the_reason(client, analyst, project, text):
    old = ArticleFactory(project=project, text=OLD)
    response = client_for(client, analyst).post(reverse("stories:versions", args=[old.pk]), {"text": text})
    assert response.status_code == 422
    assert "Paste the new text" in response.content.decode() or "same as this version" in response.content.decode()
    assert not Article.objects.filter(replaces=old).exists()


def test_outsiders_see_no_versions(client, outsider, versions):
    old, _ = versions
    assert client_for(client, outsider).get(reverse("stories:versions", args=[old.pk])).status_code == 404
    assert client.post(reverse("stories:versions", args=[old.pk]), {"text": "x"}).status_code == 404


def test_reviewers_work_through_the_queue_and_analysts_see_none_of_it(client, analyst, reviewer, versions):
    _, new = versions
    analyst_html = client_for(client, analyst).get(reverse("stories:anchorings")).content.decode()
    assert "Nothing waits" in analyst_html
    fuzzy = Anchoring.objects.get(article=new, state="fuzzy")
    assert client.post(reverse("stories:anchoring-decide", args=[fuzzy.pk]), {"action": "confirm"}).status_code == 404

    reviewer_client = client_for(client, reviewer)
    html = reviewer_client.get(reverse("stories:anchorings")).content.decode()
    assert "We will sign the treaty tomorrow morning" in html and "Critics called" in html
    response = reviewer_client.post(reverse("stories:anchoring-decide", args=[fuzzy.pk]), {"action": "confirm"})
    assert response.status_code == 302
    again = reviewer_client.post(reverse("stories:anchoring-decide", args=[fuzzy.pk]), {"action": "drop"})
    assert again.status_code == 409 and "Already confirmed" in again.content.decode()
    orphan = Anchoring.objects.get(article=new, state="orphaned")
    bad = reviewer_client.post(
        reverse("stories:anchoring-decide", args=[orphan.pk]), {"action": "adjust", "start": "5", "end": "x"}
    )
    assert bad.status_code == 422
    start = new.text.index("Analysts")
    reviewer_client.post(
        reverse("stories:anchoring-decide", args=[orphan.pk]),
        {"action": "adjust", "start": str(start), "end": str(start + 8)},
    )
    orphan.refresh_from_db()
    assert orphan.annotation.exact == "Analysts"
    assert "Nothing waits" in reviewer_client.get(reverse("stories:anchorings")).content.decode()


def test_blind_mode_hides_another_analysts_carried_annotations(client, analyst, other_analyst, project, versions):
    project.blind = True
    project.save(update_fields=["blind"])
    _, new = versions
    others = client_for(client, other_analyst).get(reverse("stories:versions", args=[new.pk])).content.decode()
    assert "Critics called the deal rushed" not in others.split('id="diff-heading"')[1].split("</section>")[1]
    assert 'id="orphaned"' not in others and 'id="carried-waiting"' not in others
    own = client_for(client, analyst).get(reverse("stories:versions", args=[new.pk])).content.decode()
    assert 'id="orphaned"' in own and 'id="carried-waiting"' in own


def test_the_review_queue_holds_the_latest_versions_submissions_only(client, analyst, reviewer, project):
    from apps.annotations.services import submit_annotation

    old = ArticleFactory(project=project, text=OLD)
    quote = mark(old, analyst, "reached an agreement on Tuesday")
    submit_annotation(annotation=quote, user=analyst)
    new = add_version(article=old, text=NEW, user=analyst).article
    html = client_for(client, reviewer).get(reverse("admin:annotations_annotation_queue")).content.decode()
    carried = Anchoring.objects.get(origin=quote).annotation
    assert carried.article_id == new.pk and carried.status == Annotation.Status.SUBMITTED
    assert "1 annotation waits" in html
    assert f'name="_selected_action" value="{carried.pk}"' in html
    assert f'name="_selected_action" value="{quote.pk}"' not in html
