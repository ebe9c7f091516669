"""Hostile text in every field a user can write, then every page that shows it, in Chromium:
no dialog, no injected element or handler, no CSP violation, no template evaluated, and no
clickable address that is not a web page."""

import re

import pytest

from apps.annotations.models import Annotation, Link
from apps.articles.models import Story
from apps.directory.services import merge_sources
from apps.imports.models import ImportJob
from apps.projects.models import Membership
from tests.conftest import log_in
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    LinkFactory,
    MembershipFactory,
    ProjectFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = (
    "<script>alert('script')</script><img src=x onerror=alert('img')>"
    "\"'><svg onload=alert('svg')></svg><a href=javascript:alert('link')>click</a>{{7*7}}${7*7}"
)
# User names allow only letters, digits and @.+-_ (Django's validator).
NAME = "mallory+{{7*7}}@x"
EVALUATED = re.compile(r"(click|</a>|\}\}|mallory\+)49|49(\$\{|@x)")

# Every violation of the page's Content-Security-Policy, recorded as the page loads.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""

INSPECT = """() => {
  const injected = document.querySelectorAll('#payload-marker, body script:not([src]), img[src="x"], svg[onload], iframe');
  const handlers = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith('on')) handlers.push(element.tagName + ' ' + attribute.name);
    }
  }
  const links = Array.from(document.querySelectorAll('a[href]'))
    .map((a) => a.getAttribute('href'))
    .filter((href) => !/^(https?:\\/\\/|\\/|#|\\?|$)/i.test(href.trim()));
  return {injected: injected.length, handlers, links, violations: window.__violations, text: document.body.innerText};
}"""


@pytest.fixture
def hostile_world(db):
    project = ProjectFactory(name=f"Project {PAYLOAD}"[:200])
    author = UserFactory(username=NAME)
    MembershipFactory(project=project, user=author, role=Membership.Role.MANAGER)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    publisher = SourceFactory(project=project, name=f"Outlet {PAYLOAD}", kind="outlet", aliases=[PAYLOAD[:300]])
    story = Story.objects.create(project=project, title=f"Story {PAYLOAD}")
    article = ArticleFactory(
        project=project,
        title=f"Title {PAYLOAD}",
        text=f"Opening line.\n{PAYLOAD}\nThe minister said: {PAYLOAD}",
        url="https://news.example/a?q=\"><script>alert('url')</script>",
        author=f"Author {PAYLOAD}"[:300],
        publisher=publisher,
        original_name=f"file {PAYLOAD}.txt",
        story=story,
    )
    start = article.text.index("The minister")
    annotation = AnnotationFactory(
        article=article,
        start=start,
        end=len(article.text),
        created_by=author,
        note=f"Note {PAYLOAD}",
        tags=["{{7*7}}", "<b>x</b>"],
        kind=Annotation.Kind.QUOTE,
        status=Annotation.Status.SUBMITTED,  # so that the review queue lists it too
    )
    source = SourceFactory(project=project, name=f"Person {PAYLOAD}", aliases=[f"alias {PAYLOAD}"[:300]])
    LinkFactory(annotation=annotation, source=source, role=Link.Role.SAID_BY, note=f"Link note {PAYLOAD}")
    annotation.events.create(actor=author, action="rejected", comment=f"Reason {PAYLOAD}", state={})
    annotation.comments.create(author=author, body=f"Comment {PAYLOAD}")
    job = ImportJob.objects.create(project=project, created_by=author, state=ImportJob.State.DONE)
    for position, status in enumerate(("imported", "refused")):
        job.listed_outcomes.create(
            position=position, label=f"file {PAYLOAD}.txt", status=status, message=f"Message {PAYLOAD}", article=article
        )
    return article, annotation, source, author, root, job


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate(INSPECT)


def assert_inert(result, url):
    assert result["injected"] == 0, url
    assert result["handlers"] == [], url
    assert result["links"] == [], url
    assert result["violations"] == [], url
    # {{7*7}} and ${7*7} never evaluated: no 49 where the payload or the user name holds them
    # (other 49s, in an id or a time, are no sign of it).
    assert not EVALUATED.search(result["text"]), url


def test_hostile_text_stays_text_on_every_page(page, hostile_world):
    article, annotation, source, author, root, job = hostile_world
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)

    # A merge whose entry on the survivor's page holds the hostile names, and a likely duplicate.
    merged = SourceFactory(project=article.project, name=f"Merged {PAYLOAD}"[:300], aliases=[f"alias2 {PAYLOAD}"[:300]])
    merge_sources(source=merged, into=source, user=author)
    SourceFactory(project=article.project, name=source.name.upper())
    log_in(page, NAME)
    for url in (
        "/articles/",
        f"/articles/?q={PAYLOAD[:40]}",
        article.get_absolute_url(),
        f"/annotations/{annotation.pk}/",
        f"/annotations/article/{article.pk}/sources/?q=Person",
        "/imports/",
        job.get_absolute_url(),
        "/admin/annotations/annotation/queue/",
        "/sources/",
        f"/sources/?q={PAYLOAD[:40]}",
        source.get_absolute_url(),
        article.publisher.get_absolute_url(),
        f"/sources/duplicates/?project={article.project_id}",
    ):
        result = visit(page, url)
        assert_inert(result, url)
    # The workbench shows the payload as text, character for character.
    page.goto(article.get_absolute_url())
    assert PAYLOAD in page.locator("#article-text").inner_text()
    page.click(f"mark[data-ids='{annotation.pk}']")
    page.wait_for_selector("#annotation-panel form.edit-form")
    assert f"Note {PAYLOAD}" in page.locator("#annotation-panel textarea[name=note]").input_value()
    assert_inert(page.evaluate(INSPECT), "panel opened in the workbench")

    page.context.clear_cookies()
    log_in(page, "root")
    for url in (
        "/admin/",
        "/admin/annotations/annotation/",
        f"/admin/annotations/annotation/{annotation.pk}/change/",
        f"/admin/annotations/annotation/{annotation.pk}/history/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/sources/source/",
        f"/admin/sources/source/{source.pk}/change/",
        f"/admin/sources/source/{source.pk}/history/",
        "/admin/projects/project/",
        f"/admin/projects/project/{article.project_id}/change/",
        "/admin/articles/story/",
        "/admin/auth/user/",
    ):
        assert_inert(visit(page, url), url)
    assert dialogs == []
