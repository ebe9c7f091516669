"""My work: one's own annotations by status, the rejected first with their reasons, and the
discussions waiting for one's reply; and the header's count of what waits, which follows a
reading or a rework without a page load (an out-of-band swap of #unread-total)."""

import pytest

from apps.annotations.models import Annotation, CommentRead
from apps.annotations.services import add_comment, submit_annotation
from apps.projects.models import Membership
from tests.annotations.test_rejections import rejected
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory

MINE = "/annotations/mine/"
TEXT = "Talks went on. Arkady Mil-Man said the deal is a red light to the West. Others disagreed."


def section(html: str, name: str) -> str:
    """One section of the page: rejected, discussions, draft, submitted, approved."""
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def ids(html: str) -> list[int]:
    return [int(part.split('"', 1)[0]) for part in html.split('data-id="')[1:]]


def header_count(html: str) -> str:
    start = html.index('id="unread-total"')
    return html[html.index(">", start) + 1 : html.index("</a>", start)]


def span(words: str) -> dict:
    start = TEXT.index(words)
    return {"start": start, "end": start + len(words)}


def test_the_header_links_to_my_work(analyst_client):
    assert f'href="{MINE}">My work</a>' in analyst_client.get("/articles/").content.decode()


def test_ones_own_annotations_by_status_rejected_first_with_the_reason(
    client, project, analyst, other_analyst, reviewer
):
    article = ArticleFactory(project=project, text=TEXT)
    draft = AnnotationFactory(article=article, created_by=analyst, kind="quote", **span("the deal"))
    submitted = AnnotationFactory(article=article, created_by=analyst, status="submitted", **span("Talks"))
    approved = AnnotationFactory(article=article, created_by=analyst, status="approved", **span("Others"))
    refused = rejected(
        AnnotationFactory(article=article, created_by=analyst, status="submitted", **span("red light")), reviewer
    )
    theirs = AnnotationFactory(article=article, created_by=other_analyst, **span("the West"))
    client.force_login(analyst)
    html = client.get(MINE).content.decode()

    assert (
        html.index('<section id="rejected"')
        < html.index('<section id="discussions"')
        < html.index('<section id="draft"')
    )
    assert ids(section(html, "rejected")) == [refused.pk]
    assert "<strong>Rejected</strong> by reviewer1" in section(html, "rejected")
    assert "Misquoted: he said June." in section(html, "rejected")
    assert ids(section(html, "draft")) == [draft.pk]
    assert ids(section(html, "submitted")) == [submitted.pk]
    assert ids(section(html, "approved")) == [approved.pk]
    assert theirs.pk not in ids(html)
    # Each passage in its sentence, linked to its span in the workbench.
    assert (
        f'<a class="passage-link" href="/articles/{article.pk}/?annotation={draft.pk}" dir="auto">'
        '<span class="context">Arkady Mil-Man said </span><strong class="passage">the deal</strong>'
        '<span class="context"> is a red light to the West.</span></a>'
    ) in html


def test_each_status_shows_its_latest_and_links_to_the_whole_list(client, project, analyst):
    article = ArticleFactory(project=project, text=TEXT)
    made = [AnnotationFactory(article=article, created_by=analyst, start=n, end=n + 2) for n in range(25)]
    client.force_login(analyst)
    drafts = section(client.get(MINE).content.decode(), "draft")
    assert len(ids(drafts)) == 20 and '<span class="count">25</span>' in drafts
    assert set(ids(drafts)) == {a.pk for a in made[5:]}
    assert 'href="/search/annotations/?author=analyst1&amp;status=draft">All 25 draft' in drafts


def test_discussions_wait_for_a_reply_until_one_is_written(client, project, analyst, other_analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    own = AnnotationFactory(article=article, created_by=analyst, status="submitted", **span("Talks"))
    quiet = AnnotationFactory(article=article, created_by=analyst, **span("Others"))
    theirs = AnnotationFactory(article=article, created_by=other_analyst, **span("the deal"))
    add_comment(annotation=own, user=reviewer, body="Which talks?")
    add_comment(annotation=theirs, user=analyst, body="Is this a quote?")
    add_comment(annotation=theirs, user=other_analyst, body="Yes, from the interview.")
    add_comment(annotation=quiet, user=analyst, body="Note to self.")
    client.force_login(analyst)
    html = section(client.get(MINE).content.decode(), "discussions")
    assert ids(html) == [theirs.pk, own.pk]  # the latest first; their own last word waits for nobody
    assert "Yes, from the interview." in html and '<span class="badge unread">1 new</span>' in html

    client.get(f"/annotations/{theirs.pk}/")  # read: still waiting for a reply, no longer new
    html = section(client.get(MINE).content.decode(), "discussions")
    assert ids(html) == [theirs.pk, own.pk] and html.count("badge unread") == 1
    client.post(f"/annotations/{own.pk}/comments/", {"body": "The Minsk talks."}, headers={"HX-Request": "true"})
    assert ids(section(client.get(MINE).content.decode(), "discussions")) == [theirs.pk]


def test_blind_mode_and_projects_keep_to_what_one_may_see(client, project, analyst, other_analyst, reviewer):
    project.blind = True
    project.save()
    article = ArticleFactory(project=project, text=TEXT)
    mine = AnnotationFactory(article=article, created_by=analyst, **span("Talks"))
    hidden = AnnotationFactory(article=article, created_by=other_analyst, **span("the deal"))
    # A reading of the hidden thread (from before the project went blind) and a reply in it.
    CommentRead.objects.create(user=analyst, annotation=hidden)
    add_comment(annotation=hidden, user=reviewer, body="Checked?")
    elsewhere = ProjectFactory()
    member(elsewhere, Membership.Role.ANALYST, "analyst1")
    left = AnnotationFactory(article=ArticleFactory(project=elsewhere, text=TEXT), created_by=analyst)
    analyst.memberships.filter(project=elsewhere).delete()
    client.force_login(analyst)
    html = client.get(MINE).content.decode()
    assert ids(html) == [mine.pk]
    assert hidden.pk not in ids(html) and left.pk not in ids(html) and "Checked?" not in html


@pytest.mark.parametrize("scale", [1, 10])
def test_my_work_costs_the_same_queries_whatever_the_data(
    client, project, analyst, reviewer, scale, django_assert_num_queries
):
    for n in range(3 * scale):
        article = ArticleFactory(project=project, text=f"{TEXT} {n}")
        for status, words in (("draft", "Talks"), ("approved", "Others"), ("submitted", "the deal")):
            AnnotationFactory(article=article, created_by=analyst, status=status, **span(words))
        rejected(
            AnnotationFactory(article=article, created_by=analyst, status="submitted", **span("red light")), reviewer
        )
        add_comment(annotation=Annotation.objects.filter(article=article).first(), user=reviewer, body="?")
    client.force_login(analyst)
    # session, user with roles, counts by status, the rejected with reasons, the latest of each other
    # status, the discussions, the header's count
    with django_assert_num_queries(7):
        html = client.get(MINE).content.decode()
    assert len(ids(section(html, "rejected"))) == 3 * scale
    assert len(ids(section(html, "discussions"))) == 3 * scale


def test_opening_a_thread_with_new_replies_swaps_the_header_count(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    first = AnnotationFactory(article=article, created_by=analyst, **span("Talks"))
    second = AnnotationFactory(article=article, created_by=analyst, **span("Others"))
    add_comment(annotation=first, user=reviewer, body="Which talks?")
    add_comment(annotation=second, user=reviewer, body="Who?")
    client.force_login(analyst)
    assert header_count(client.get("/articles/").content.decode()) == "2 new replies"

    panel = client.get(f"/annotations/{first.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="unread-total"' in panel and 'hx-swap-oob="true"' in panel
    assert header_count(panel) == "1 new reply"
    # Nothing new read: the panel leaves the header alone, and counts nothing.
    panel = client.get(f"/annotations/{first.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="unread-total"' not in panel
    # Another tab (or the admin) read the other thread; the header counts again when asked.
    client.get(f"/annotations/{second.pk}/")
    fragment = client.get("/annotations/unread/count/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.strip().startswith('<a id="unread-total"') and header_count(fragment) == "Replies"
    assert 'hx-trigger="focus from:window"' in fragment


def test_reworking_a_rejection_swaps_the_header_count(client, project, analyst, reviewer):
    article = ArticleFactory(project=project, text=TEXT)
    refused = rejected(
        AnnotationFactory(article=article, created_by=analyst, status="submitted", **span("Talks")), reviewer
    )
    client.force_login(analyst)
    assert header_count(client.get("/articles/").content.decode()) == "1 rejected"
    client.get(f"/annotations/{refused.pk}/", headers={"HX-Request": "true"})  # read; still waiting for rework
    edited = client.post(
        f"/annotations/{refused.pk}/edit/",
        {"version": refused.version, "kind": "fact", "note": "Checked again.", "tags": ""},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert header_count(edited) == "Replies" and 'hx-swap-oob="true"' in edited
    # Someone else's edit of it is not a change of this reviewer's own count.
    again = Annotation.objects.get(pk=refused.pk)
    submit_annotation(annotation=again, user=analyst, seen_version=again.version)
    again = rejected(Annotation.objects.get(pk=refused.pk), reviewer)
    client.force_login(reviewer)
    panel = client.post(
        f"/annotations/{again.pk}/edit/",
        {"version": again.version, "kind": "quote", "note": "", "tags": ""},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'id="unread-total"' not in panel
