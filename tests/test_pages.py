"""Every page the app serves is valid HTML, as a member and as a superuser sees it.

Each page goes through html5lib, which parses as browsers do and reports every parse error the
HTML standard names; ids must be unique besides (labels, htmx targets and the workbench's
scripts find elements by them).
"""

import logging
import re
import urllib.request
from collections import Counter

import html5lib
import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import reverse
from html5lib.constants import E as PARSE_ERRORS

from apps.annotations.forms import LinkForm
from apps.annotations.models import Annotation
from apps.annotations.services import (
    Decision,
    create_annotation,
    link_source,
    review_annotation,
    submit_annotation,
    update_annotation,
)
from apps.annotations.views import panel_context
from apps.articles.models import Article
from apps.articles.services import join_story
from apps.imports.tasks import import_uploads, run_import_job, start_import_job
from apps.projects.models import Membership
from apps.sources.services import find_or_create_source
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

URDU_TITLE = "پاکستان اور بیلاروس کا فوجی معاہدہ"
URDU_TEXT = f"{URDU_TITLE}\nماہر نے کہا: «یہ معاہدہ مغرب کے لیے تشویش کا باعث ہے۔»\nمزید تفصیلات 2025 میں۔"


def html_problems(html: str, *, container: str | None = None) -> list[str]:
    """Parse errors (with the offending line) and repeated ids of a page, or of an htmx fragment
    swapped into a `container` element."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    tree = parser.parse(html) if container is None else parser.parseFragment(html, container=container)
    lines = html.splitlines()
    problems = []
    for (line, column), code, data in parser.errors:
        message = PARSE_ERRORS.get(code, code) % (data or {})
        source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        problems.append(f"line {line}:{column}: {message}\n      {source[:200]}")
    ids = Counter(element.get("id") for element in tree.iter() if element.get("id") is not None)
    problems += [f'id="{id_}" appears {count} times' for id_, count in ids.items() if count > 1]
    return problems


@pytest.fixture
def site(project):
    """A project as it looks after some work: imported articles (one translation of another), a
    right-to-left one in a story, annotations with sources, reviews and history, a finished import job."""
    member = UserFactory(username="manager1")
    MembershipFactory(project=project, user=member, role=Membership.Role.MANAGER)
    # A project of one person, who decides on their own work: its pages show the review forms.
    project.self_review = True
    project.save(update_fields=["self_review"])
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    uploads = [(path.name, path.read_bytes()) for path in (ENGLISH_SEED, GERMAN_SEED)]
    job = start_import_job(project=project, user=member, uploads=uploads + [("empty.txt", b"")])
    run_import_job(job)
    import_uploads.enqueue(job.pk)  # a task row for the admin's task pages
    english = Article.objects.get(project=project, language="en")
    urdu = ArticleFactory(project=project, title=URDU_TITLE, text=URDU_TEXT, language="ur")
    join_story(article=urdu, other=ArticleFactory(project=project), user=member)

    quote_start = english.text.index("“")
    quote = create_annotation(
        article=english,
        user=member,
        kind=Annotation.Kind.QUOTE,
        start=quote_start,
        end=english.text.index("”") + 1,
        exact=english.text[quote_start : english.text.index("”") + 1],
    )
    update_annotation(annotation=quote, user=member, base_version=quote.version, note="Said <b>on record</b>.")
    source = find_or_create_source(project=project, name="Arkady Mil-Man", kind="person")
    link_source(annotation=quote, source=source, role="said_by", user=member, note="INSS")
    submit_annotation(annotation=quote, user=member)
    review_annotation(annotation=quote, user=superuser, decision=Decision.REJECT, reason="Cut the sentence.")
    rtl_start = URDU_TEXT.index("«")
    create_annotation(
        article=urdu,
        user=member,
        kind=Annotation.Kind.CLAIM,
        start=rtl_start,
        end=URDU_TEXT.index("»") + 1,
        exact=URDU_TEXT[rtl_start : URDU_TEXT.index("»") + 1],
    )
    Group.objects.create(name="Editors")
    return {
        "project": project,
        "member": member,
        "superuser": superuser,
        "english": english,
        "urdu": urdu,
        "quote": quote,
        "job": job,
        "source": source,
    }


def app_pages(site) -> list[tuple[str, dict]]:
    """(url, request options) of every page and fragment the app itself serves."""
    english, urdu, quote = site["english"], site["urdu"], site["quote"]
    htmx = {"headers": {"HX-Request": "true"}, "container": "div"}
    list_target = {"headers": {"HX-Request": "true", "HX-Target": "annotation-list"}, "container": "div"}
    return [
        (reverse("articles:list"), {}),
        (f"{reverse('articles:list')}?q=Belarus&project={site['project'].pk}&language=en", {}),
        (f"{reverse('articles:list')}?q=nothing+like+this", {}),
        (english.get_absolute_url(), {}),
        (urdu.get_absolute_url(), {}),
        (f"{english.get_absolute_url()}?kind=quote", list_target),
        (reverse("annotations:panel", args=[quote.pk]), htmx),
        (reverse("annotations:source-search", args=[english.pk]) + "?q=Mil", {**htmx, "container": "select"}),
        (reverse("annotations:source-search", args=[english.pk]) + "?q=nobody", {**htmx, "container": "select"}),
        (reverse("search:annotations"), {}),
        (f"{reverse('search:annotations')}?source_name=Mil-Man&role=said_by&project={site['project'].pk}", {}),
        (
            f"{reverse('search:annotations')}?q=nothing+like+this&kind=claim",
            {"headers": {"HX-Request": "true", "HX-Target": "annotation-results"}, "container": "div"},
        ),
        (f"{reverse('search:annotations')}?role=boss", {"status": 422}),
        (f"{reverse('exports:project-page', args=[site['project'].pk])}?source_name=Mil-Man&role=said_by", {}),
        (reverse("annotations:mine"), {}),
        (reverse("directory:list"), {}),
        (f"{reverse('directory:list')}?q=milman&kind=person&project={site['project'].pk}", {}),
        (f"{reverse('directory:list')}?kind=planet", {"status": 422}),
        (
            f"{reverse('directory:list')}?q=nobody",
            {"headers": {"HX-Request": "true", "HX-Target": "source-results"}, "container": "div"},
        ),
        (site["source"].get_absolute_url(), {}),
        (f"{site['source'].get_absolute_url()}?order=oldest", {}),
        (f"{reverse('directory:duplicates')}?project={site['project'].pk}", {}),
        (reverse("annotations:unread-total"), {**htmx, "container": "nav"}),
        (reverse("imports:new"), {}),
        (reverse("login"), {}),
        (site["job"].get_absolute_url(), {}),
        (site["job"].get_absolute_url(), htmx),
    ]


def admin_pages(client) -> list[str]:
    """The admin's index and, for every model it lists to the user, the list, the first object's
    page and the page that adds one, when the user may add."""
    index = reverse("admin:index")
    pages = [index]
    listed = re.findall(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', client.get(index).content.decode())
    for changelist in listed:
        pages.append(changelist)
        change = re.search(rf'href="({changelist}\d+/change/)', client.get(changelist).content.decode())
        if change:
            pages.append(change.group(1))
        if client.get(f"{changelist}add/").status_code == 200:
            pages.append(f"{changelist}add/")
    return pages


def problems_on(client, url, *, headers=None, container=None, method="get", data=None, status=None):
    response = getattr(client, method)(url, data=data, headers=headers or {})
    if (
        response.status_code >= 500
        or response.status_code in (302, 403, 404)
        or status not in (None, response.status_code)
    ):
        return [f"answered {response.status_code}"]
    return html_problems(response.content.decode(), container=container)


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}:\n  " + "\n  ".join(problems) for url, problems in found.items())


@pytest.mark.parametrize("who", ["member", "superuser"])
def test_every_page_is_valid_html_with_unique_ids(client, site, who):
    client.force_login(site[who])
    found = {}
    for url, options in app_pages(site):
        problems = problems_on(client, url, **options)
        if problems:
            found[url] = problems
    admin_urls = admin_pages(client)
    for model in ("annotation", "article", "source", "project"):
        assert any(f"/{model}/" in url for url in admin_urls), f"the admin shows no {model}s to the {who}"
    # The review queue, which the admin index does not list.
    admin_urls.append(reverse("admin:annotations_annotation_queue"))
    for url in admin_urls:
        problems = problems_on(client, url)
        if problems:
            found[url] = problems
    # The admin's reject action asks for the reason on a page of its own.
    changelist = reverse("admin:annotations_annotation_changelist")
    reject = {"action": "reject", "_selected_action": [site["quote"].pk]}
    problems = problems_on(client, changelist, method="post", data=reject)
    if problems:
        found[f"{changelist} (reject)"] = problems
    assert not found, "Invalid HTML:\n" + report(found)


def test_refusals_and_form_errors_are_valid_html_too(client, site):
    client.force_login(site["member"])
    quote = site["quote"]
    found = {}
    refusals = [
        (reverse("annotations:update", args=[quote.pk]), {"version": "x", "kind": "opinion"}),
        (reverse("annotations:link-create", args=[quote.pk]), {"role": "nonsense", "note": "x" * 6000}),
        (reverse("annotations:review", args=[quote.pk]), {"decision": "reject", "reason": ""}),
        (reverse("annotations:create", args=[site["english"].pk]), {"kind": "claim", "start": 0, "end": 5}),
    ]
    for url, data in refusals:
        problems = problems_on(client, url, method="post", data=data, headers={"HX-Request": "true"}, container="div")
        if problems:
            found[url] = problems
    client.logout()
    problems = problems_on(client, reverse("login"), method="post", data={"username": "manager1", "password": "no"})
    if problems:
        found["login with a wrong password"] = problems
    assert not found, "Invalid HTML:\n" + report(found)


def test_panel_with_two_forms_of_one_id_would_be_caught(rf, site):
    """The check finds the panel's old mistake: the link form's note took the edit form's id."""
    quote = site["quote"]
    request = rf.get("/")
    request.user = site["member"]
    context = panel_context(request, quote, link_form=LinkForm(project=quote.article.project, auto_id="id_%s"))
    html = render_to_string("annotations/annotation_panel.html", context, request=request)
    assert 'id="id_note" appears 2 times' in html_problems(html, container="div")


def test_html_problems_names_parse_errors():
    assert html_problems("<!doctype html><title>x</title><p>one</div>")
    assert html_problems('<!doctype html><title>x</title><p id="a">one</p><p id="a">two</p>')
    assert not html_problems("<!doctype html><title>x</title><p>one")


def test_every_page_links_a_favicon_that_is_served(client, db, live_server):
    html = client.get(reverse("login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon, "no favicon linked"
    with urllib.request.urlopen(live_server.url + icon.group(1)) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/")
        assert b"<svg" in response.read()


def test_refused_request_logs_one_line_without_a_traceback(client, site, caplog):
    not_the_author = UserFactory(username="analyst9")
    MembershipFactory(project=site["project"], user=not_the_author, role=Membership.Role.ANALYST)
    client.force_login(not_the_author)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(reverse("annotations:submit", args=[site["quote"].pk]))
    assert response.status_code == 403
    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert [record.getMessage() for record in refusals] == [
        f"Forbidden (Permission denied): {reverse('annotations:submit', args=[site['quote'].pk])}"
    ]
    assert "Traceback" not in caplog.text
