"""Drive Sourcetrace over HTTP as its browser UI does: session login, CSRF, htmx headers.

The pages are read with regular expressions, so these follow the templates
(templates/imports/, templates/annotations/ and apps/annotations/rendering.py).

Projects have no page outside the admin, so they are made through its add form with the
user as a manager (the `memberships` inline). Every request opens a new TCP connection, as
the peers were measured; gunicorn's sync workers close each connection anyway.

With DEBUG off the session and CSRF cookies are marked Secure. Browsers treat
http://127.0.0.1 as a secure context and send them; Python's cookie jar does not over
http://, so the client clears the flag on its own copies.
"""

import html
import os
import re
import time
from functools import cached_property

import requests

BLOCK_RE = re.compile(
    r'<(p|h2) class="block[^"]*" id="block-(\d+)" data-start="(\d+)" dir="auto"[^>]*>(.*?)</\1>', re.S
)
TAG_RE = re.compile(r"<[^>]+>")
CSRF_FIELD_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HTMX_CSRF_RE = re.compile(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'')
OUTCOME_RE = re.compile(r'<tr class="outcome outcome-(\w+)">.*?</tr>', re.S)
ARTICLE_LINK_RE = re.compile(r'href="/articles/(\d+)/"')
SUMMARY_RE = re.compile(r'<p class="summary">(\d+) imported, (\d+) duplicates? skipped, (\d+) refused\.</p>')
POLL_DELAY_RE = re.compile(r'hx-trigger="load delay:(\d+)(ms|s)"')
JOB_STATE_RE = re.compile(r'<p class="(state|message message-error)"[^>]*>([^<]*)</p>')
LISTED_RE = re.compile(r'<li class="annotation-item[^"]*" data-id="(\d+)"')
HIGHLIGHTED_RE = re.compile(r'data-label-for="(\d+)"')
VERSION_RE = re.compile(r'<input type="hidden" name="version" value="(\d+)"')
KIND_RE = re.compile(r'<select name="kind"[^>]*>.*?<option value="(\w+)" selected>', re.S)


class Refused(RuntimeError):
    """The server answered with another status than the one expected."""

    def __init__(self, response: requests.Response):
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}")
        self.response = response


class SourcetraceClient:
    def __init__(self, url: str, user: str, password: str, *, poll: float | None = None):
        assert url.startswith(("http://127.0.0.1:", "http://localhost:")), "loopback only"
        self.url = url.rstrip("/")
        self.poll = poll
        self.session = requests.Session()
        self.csrf = ""
        self.user = user
        self.login(user, password)

    def request(self, method, path, *, htmx_target=None, page=None, expect=(200,), **kwargs) -> requests.Response:
        """Send one request on a new connection, with the headers htmx adds when `htmx_target` is given."""
        page_url = self.url + (page or path)
        headers = kwargs.pop("headers", {})
        if htmx_target:
            headers.update({"HX-Request": "true", "HX-Target": htmx_target, "HX-Current-URL": page_url})
        if method != "GET":
            headers.update({"X-CSRFToken": self.csrf, "Origin": self.url, "Referer": page_url})
        response = self.session.request(
            method, self.url + path, headers=headers, timeout=600, allow_redirects=False, **kwargs
        )
        response.content  # noqa: B018 - the body is read inside the caller's timing
        for cookie in self.session.cookies:
            cookie.secure = False
        self.session.close()
        if expect and response.status_code not in expect:
            raise Refused(response)
        return response

    def take_csrf(self, page_html: str) -> None:
        match = HTMX_CSRF_RE.search(page_html) or CSRF_FIELD_RE.search(page_html)
        if not match:
            raise RuntimeError("no CSRF token in the page")
        self.csrf = match.group(1)

    def login(self, user: str, password: str) -> None:
        self.take_csrf(self.request("GET", "/login/").text)
        form = {"csrfmiddlewaretoken": self.csrf, "username": user, "password": password, "next": ""}
        self.request("POST", "/login/", data=form, expect=(302,))
        # Login rotates the CSRF secret; the next page carries the token htmx sends.
        self.take_csrf(self.request("GET", "/imports/").text)

    @cached_property
    def user_id(self) -> int:
        page = self.request("GET", "/admin/auth/user/", params={"q": self.user}).text
        ids = re.findall(r'href="/admin/auth/user/(\d+)/change/', page)
        if not ids:
            raise RuntimeError(f"user {self.user} is not in the admin")
        return int(ids[0])

    def create_project(self, name: str) -> int:
        add = "/admin/projects/project/add/"
        self.take_csrf(self.request("GET", add).text)
        form = {
            "csrfmiddlewaretoken": self.csrf,
            "name": name,
            "description": "benchmark",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": str(self.user_id),
            "memberships-0-role": "manager",
            "_continue": "Save and continue editing",
        }
        response = self.request("POST", add, data=form, expect=(302, 200))
        match = re.search(r"/admin/projects/project/(\d+)/change/", response.headers.get("Location", ""))
        if not match:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
            raise RuntimeError(f"project {name} not created: {[TAG_RE.sub('', e) for e in errors]}")
        # The analyst opens the import page next (not timed); it carries the form's token.
        self.take_csrf(self.request("GET", "/imports/").text)
        return int(match.group(1))

    def import_file(self, project: int, path: str, count: int) -> tuple[str, dict]:
        """Upload a JSON Lines file, whole, on the import page and wait, as its user does, until
        the job's page says it is done; return the job's address and what the import reported.

        Every import goes to the background worker: the page redirects (HX-Redirect) to the
        job's page, which the browser polls.
        """
        name = os.path.basename(path)
        with open(path, "rb") as file:
            files = [("files", (name, file.read(), "application/x-ndjson"))]
        form = {"csrfmiddlewaretoken": self.csrf, "project": str(project), "text": "", "title": "", "url": ""}
        response = self.request("POST", "/imports/", htmx_target="import-panel", data=form, files=files)
        job_url = response.headers.get("HX-Redirect")
        report = {"job": job_url}
        page = self.follow_job(job_url, report) if job_url else response.text
        summary = SUMMARY_RE.search(page)
        report["imported"], report["duplicates"], report["refused"] = (
            map(int, summary.groups()) if summary else [None] * 3
        )
        if report["imported"] != count:
            raise RuntimeError(f"import of {name} incomplete: {report}; {page[:1000]}")
        return job_url, report

    def job_articles(self, job_url: str) -> list[int]:
        """The ids of the articles a job imported, in input order, read off its pages."""
        articles, number = [], 1
        while True:
            page = self.request("GET", f"{job_url}?status=imported&page={number}").text
            for row in OUTCOME_RE.finditer(page):
                link = ARTICLE_LINK_RE.search(row.group(0))
                if row.group(1) == "imported" and link:
                    articles.append(int(link.group(1)))
            if f"page={number + 1}" not in page:
                return articles
            number += 1

    def follow_job(self, job_url: str, report: dict) -> str:
        """Poll the job's progress as its page does; return the page once the job has ended."""
        self.request("GET", job_url)  # htmx follows HX-Redirect with a full page load
        report["polls"] = 0
        while True:
            page = self.request("GET", job_url, htmx_target="job-progress").text
            report["polls"] += 1
            state = JOB_STATE_RE.search(page)
            if not state or state.group(1) != "state" or state.group(2) == "Done.":
                return page
            time.sleep(self.poll if self.poll is not None else poll_delay(page))

    def count_articles(self, project: int) -> int:
        page = self.request("GET", "/admin/articles/article/", params={"project__id__exact": project}).text
        match = re.search(r"(\d+) articles?\b", TAG_RE.sub(" ", page.split('class="paginator"', 1)[-1]))
        return int(match.group(1)) if match else -1

    def article_text(self, article: int) -> str:
        """The article's text as the workbench shows it, one block a line, checked against its offsets."""
        blocks = BLOCK_RE.findall(self.request("GET", f"/articles/{article}/").text)
        lines, offset = [], 0
        for _, _, start, content in blocks:
            if int(start) != offset:
                raise RuntimeError(f"article {article}: a block starts at {start}, not {offset}")
            lines.append(html.unescape(TAG_RE.sub("", content)))
            offset += len(lines[-1]) + 1
        return "\n".join(lines)

    def open_article(self, article: int) -> str:
        page = self.request("GET", f"/articles/{article}/").text
        self.take_csrf(page)
        return page

    def create_span(self, article: int, kind: str, start: int, end: int, exact: str, **kwargs):
        """Post what workbench.js posts for a selection."""
        return self.request(
            "POST",
            f"/annotations/article/{article}/new/",
            htmx_target="messages",
            page=f"/articles/{article}/",
            data={"kind": kind, "start": start, "end": end, "exact": exact},
            **kwargs,
        )

    def annotations_shown(self, article: int) -> int:
        """Load the article page; return how many annotations it lists (each also highlighted)."""
        page = self.request("GET", f"/articles/{article}/").text
        listed, highlighted = set(LISTED_RE.findall(page)), set(HIGHLIGHTED_RE.findall(page))
        if listed != highlighted:
            raise RuntimeError(f"the list shows {len(listed)} annotations, the text highlights {len(highlighted)}")
        return len(listed)

    def open_panel(self, annotation: int, page: str, **kwargs):
        path = f"/annotations/{annotation}/"
        return self.request("GET", path, htmx_target="annotation-panel", page=page, **kwargs)

    def save_note(self, annotation: int, page: str, version: int, kind: str, note: str, **kwargs):
        form = {"version": version, "kind": kind, "note": note, "tags": "bench"}
        path = f"/annotations/{annotation}/edit/"
        return self.request("POST", path, htmx_target="annotation-panel", page=page, data=form, **kwargs)

    def source_search(self, article: int) -> None:
        """The link form's source search: the cheapest authenticated request that reads the database."""
        path = f"/annotations/article/{article}/sources/"
        self.request("GET", path, htmx_target="source-options", page=f"/articles/{article}/", params={"q": ""})

    def paste_article(self, project: int, title: str, text: str) -> int:
        """Import pasted text, following its job as the page does; return the article's id."""
        form = {"csrfmiddlewaretoken": self.csrf, "project": str(project), "title": title, "text": text, "url": ""}
        response = self.request("POST", "/imports/", htmx_target="import-panel", data=form)
        job_url = response.headers.get("HX-Redirect")
        page = self.follow_job(job_url, {}) if job_url else response.text
        link = ARTICLE_LINK_RE.search(page)
        if not link:
            raise RuntimeError(f"pasted article not imported: {page[:500]}")
        return int(link.group(1))


def poll_delay(page: str) -> float:
    """How long the job's page waits before it asks again (its hx-trigger), in seconds."""
    delay = POLL_DELAY_RE.search(page)
    if not delay:
        raise RuntimeError(f"a running job's page that does not poll: {page[:500]}")
    return int(delay.group(1)) / 1000 if delay.group(2) == "ms" else float(delay.group(1))


def created_id(response: requests.Response) -> int:
    """The id of the annotation a create_span response announces."""
    created = re.search(r'data-created="(\d+)"', response.text)
    if not (created and "annotation-created" in response.headers.get("HX-Trigger", "")):
        raise RuntimeError(f"annotation not created: {response.status_code} {response.text[:500]}")
    return int(created.group(1))


def panel_form(response: requests.Response) -> tuple[int, str]:
    """The version and kind the edit form of an annotation panel holds."""
    version, kind = VERSION_RE.search(response.text), KIND_RE.search(response.text)
    if not (version and kind):
        raise RuntimeError(f"no edit form in the annotation panel: {response.text[:500]}")
    return int(version.group(1)), kind.group(1)
