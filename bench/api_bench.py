"""The JSON API over HTTP beside the browser's own endpoints, the way users meet them.

    .venv/bin/python bench/api_bench.py [--database-url URL] [--runs N]

Starts the app the production way (bench/http_server.py: gunicorn with 2 sync workers and the
background worker, DEBUG off) on a free loopback port, signs in through the login page and
pastes two articles through the import page (bench/http_client.py), makes an API token on the
tokens page, and measures, one new TCP connection per request:

- listing 100 annotations: `GET /api/v1/annotations?article=…&limit=100` with the token,
  beside the workbench's annotation list (the htmx request that re-renders only the list);
- creating one annotation: `POST /api/v1/annotations` with the token, beside the workbench's
  create (what workbench.js posts for a selection), each on its own article of the same length.

The two ways take turns, request by request, so that both meet the same load of a shared machine.

The database is the embedded PostgreSQL's sourcetrace_bench_api (emptied first), or the one in
--database-url. Prints a small table; the figures also go to .data/bench/results/. The
server is stopped at the end, on errors and on Ctrl-C.
"""

import argparse
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import http_server  # noqa: E402
from bench.http_bench import spans_in_order  # noqa: E402
from bench.http_client import LISTED_RE, SourcetraceClient, created_id  # noqa: E402
from bench.http_load import latency_ms  # noqa: E402
from bench.http_server import SUPERUSER, AppServer, prepare_app, prepare_database, production_env  # noqa: E402

OUT = ROOT / ".data" / "bench"
SPANS = 100
WARM_UP = 20
SECRET_RE = re.compile(r'<code class="token-secret" id="token-secret">(st_[^<]+)</code>')


def article_text(seed: int, words: int = 900) -> str:
    """A plain news-like text of `words` words, different for each seed (the import skips duplicates)."""
    vocabulary = "council budget minister report said vote city agency figures week plan court".split()
    lines, line = [], []
    for n in range(words):
        line.append(f"{vocabulary[(n * 7 + seed) % len(vocabulary)]}{n % 13}")
        if len(line) == 15:
            lines.append(" ".join(line).capitalize() + ".")
            line = []
    return f"Report {seed}\n" + "\n".join(lines)


class ApiScript:
    """A script calling the JSON API with a token, on a new connection each time."""

    def __init__(self, url: str, token: str):
        self.url = url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, expect: int, **kwargs) -> requests.Response:
        response = requests.request(method, self.url + path, headers=self.headers, timeout=60, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response

    def list_annotations(self, article: int, limit: int) -> int:
        return len(self.call("GET", "/annotations", 200, params={"article": article, "limit": limit}).json()["items"])

    def create(self, article: int, span: dict) -> int:
        return self.call("POST", "/annotations", 201, json={"article": article, **span}).json()["id"]


def api_token(client: SourcetraceClient) -> str:
    """Make a token on the tokens page, as its user does, and read it off the page."""
    client.take_csrf(client.request("GET", "/api/tokens/").text)
    form = {"csrfmiddlewaretoken": client.csrf, "name": "benchmark"}
    page = client.request("POST", "/api/tokens/", data=form, expect=(201,)).text
    match = SECRET_RE.search(page)
    if not match:
        raise RuntimeError("the tokens page showed no new token")
    return match.group(1)


def browser_list(client: SourcetraceClient, article: int) -> int:
    page = client.request("GET", f"/articles/{article}/", htmx_target="annotation-list").text
    return len(set(LISTED_RE.findall(page)))


def alternating(runs: int, first, second) -> tuple[list[float], list[float]]:
    """Time `first` and `second` in turn, so that both meet the same load of this shared machine."""
    times = ([], [])
    for n in range(runs):
        for request, seconds in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            request(n)
            seconds.append(time.perf_counter() - started)
    return times


def measure(client: SourcetraceClient, api: ApiScript, runs: int) -> dict:
    project = client.create_project(f"bench-api-{time.time_ns()}")
    texts = {name: article_text(seed) for seed, name in enumerate(("browser", "api"))}
    articles = {name: client.paste_article(project, f"Report {name}", text) for name, text in texts.items()}
    figures = {"articles": articles, "chars": len(texts["browser"]), "runs": runs}
    spans = {name: spans_in_order(text, SPANS) for name, text in texts.items()}

    client.open_article(articles["browser"])
    browser, through_api = alternating(
        SPANS,
        lambda n: created_id(client.create_span(articles["browser"], **spans["browser"][n])),
        lambda n: api.create(articles["api"], spans["api"][n]),
    )
    figures["create_browser"], figures["create_api"] = latency_ms(browser), latency_ms(through_api)

    counts = set()
    article = articles["browser"]

    def list_in_browser(_):
        counts.add(browser_list(client, article))

    def list_through_api(_):
        counts.add(api.list_annotations(article, SPANS))

    alternating(WARM_UP, list_in_browser, list_through_api)
    browser, through_api = alternating(runs, list_in_browser, list_through_api)
    figures["list_browser"], figures["list_api"] = latency_ms(browser), latency_ms(through_api)
    if counts != {SPANS}:
        raise RuntimeError(f"the lists held {counts} annotations, not {SPANS}")
    return figures


def table(figures: dict) -> str:
    def cell(result: dict) -> str:
        return f"{result['p50_ms']:.1f} / {result['p95_ms']:.1f} ms"

    rows = [
        ("list 100 annotations", figures["list_api"], figures["list_browser"]),
        ("create one annotation", figures["create_api"], figures["create_browser"]),
    ]
    lines = [
        "| operation, p50 / p95 | JSON API (token) | browser endpoints (session, htmx) |",
        "|---|---|---|",
        *(f"| {name} | {cell(api)} | {cell(browser)} |" for name, api, browser in rows),
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: embedded server")
    parser.add_argument("--runs", type=int, default=100, help="timed requests per list figure")
    args = parser.parse_args()
    # A database of its own, so that this runs beside bench/http_bench.py without emptying its one.
    http_server.EMBEDDED_DB_NAME = "sourcetrace_bench_api"
    logs = OUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    figures = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count()}
    figures["database"] = prepare_database(args.database_url)
    env = production_env(args.database_url)
    password = secrets.token_urlsafe(16)
    print(f"Preparing the database {figures['database']} (migrate, collectstatic, superuser)", flush=True)
    prepare_app(env, password, logs / "api-prepare.log")
    with AppServer(env, workers=2, log_dir=logs) as server:
        print(f"Measuring {server.url} (2 workers + db_worker), a new connection per request", flush=True)
        client = SourcetraceClient(server.url, SUPERUSER, password)
        api = ApiScript(server.url, api_token(client))
        figures["loadavg_1m"] = round(os.getloadavg()[0], 2)
        figures.update(measure(client, api, args.runs))
    result_file = OUT / "results" / f"api-{time.strftime('%Y%m%d-%H%M%S')}.json"
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.write_text(json.dumps(figures, indent=2))
    print()
    print(table(figures))
    print(f"\nAll figures: {result_file.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
