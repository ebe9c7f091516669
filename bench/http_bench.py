"""Measure Sourcetrace over HTTP as its users meet it, and print the figures beside the targets.

    .venv/bin/python bench/http_bench.py [--quick] [--database-url URL] [--load-seconds N] [--busy]

One command, no manual steps: it generates the corpus doccano and Label Studio were measured
with (bench/http_corpus.py), starts the app the production way on a free loopback port
(bench/http_server.py: gunicorn with 2 sync workers + db_worker, DEBUG off), and through the
browser's own endpoints, one new connection per request (bench/http_client.py), measures:
the web import of 1,000 and 10,000 articles (upload until the job page says done), creating
500 spans in one article, loading that article, the cheapest authenticated request, the
server's memory, and `manage.py import_articles` of 10,000. Then it restarts the server with
5 workers for a mixed load of writers, editors and readers (bench/http_load.py). The server
is stopped at the end, on errors and on Ctrl-C.

Data, logs and the results (JSON) go to .data/bench/. The database is the embedded
PostgreSQL's sourcetrace_bench_http, or the one in --database-url / DATABASE_URL; one named
sourcetrace_bench* is emptied first, any other is used as it is. The host is shared with
whatever else runs: the 1-minute load average before each phase is in the JSON. `--busy` runs
the whole benchmark beside a fixed background load: a process that keeps one core busy (a
spinning loop at normal priority) from before the server starts until the end.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import random
import re
import secrets
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_client import SourcetraceClient, created_id  # noqa: E402
from bench.http_corpus import write_corpus  # noqa: E402
from bench.http_load import Article, latency_ms, percentile, run_mixed_load  # noqa: E402
from bench.http_server import (  # noqa: E402
    SUPERUSER,
    AppServer,
    MemorySampler,
    manage,
    prepare_app,
    prepare_database,
    production_env,
    wait_for_background_jobs,
)

OUT = ROOT / ".data" / "bench"


@dataclass(frozen=True)
class Workload:
    imports: tuple[int, ...]  # the first is annotated, the last also goes through the command line
    spans: int
    article_loads: int
    load_seconds: float
    web_workers: int = 2
    load_workers: int = 5
    writers: int = 20
    editors: int = 5
    readers: int = 2


FULL = Workload(imports=(1000, 10_000), spans=500, article_loads=20, load_seconds=60)
QUICK = Workload(imports=(200, 1000), spans=100, article_loads=10, load_seconds=10)


def timings(runs: int, request) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        request()
        seconds.append(time.perf_counter() - started)
    return seconds


def span_article(client: SourcetraceClient, articles: list[int], spans: int) -> tuple[int, str]:
    """The first article long enough for `spans` one- or two-word spans, without characters beyond
    the BMP (there a browser's UTF-16 offsets and Python's code points agree for every peer)."""
    for article in articles[:50]:
        text = client.article_text(article)
        if len(re.findall(r"\w+", text)) >= 2 * spans and all(ord(c) < 0x10000 for c in text):
            return article, text
    raise RuntimeError(f"none of the first 50 articles has room for {spans} spans")


def spans_in_order(text: str, count: int, seed: int = 7) -> list[dict]:
    """`count` non-overlapping spans spread over the text in reading order, kinds in turn (the peers' spans)."""
    rng = random.Random(seed)
    words = [(match.start(), match.end()) for match in re.finditer(r"\w+", text)]
    step = len(words) / count
    spans = []
    for i in range(count):
        w = int(i * step)
        start, end = words[w]
        if rng.random() < 0.5 and w + 1 < len(words) and int((i + 1) * step) > w + 1:
            end = words[w + 1][1]
        spans.append({"kind": ("claim", "quote", "fact")[i % 3], "start": start, "end": end, "exact": text[start:end]})
    return spans


def measure(
    client: SourcetraceClient, sampler: MemorySampler, env: dict, workload: Workload, corpus: dict, figures: dict
) -> dict:
    """The single-user figures, in the order the peers were measured; return what the load needs."""
    loadavg = figures["loadavg_1m"]

    def phase(name):
        sampler.phase = name
        loadavg[name] = round(os.getloadavg()[0], 2)

    phase("cheapest_page")
    ping_article = client.paste_article(
        client.create_project(f"bench-ping-{time.time_ns()}"), "Ping", "The minister said that nothing happened."
    )
    timings(20, lambda: client.source_search(ping_article))  # every worker loads its code first
    figures["cheapest_page"] = latency_ms(timings(50, lambda: client.source_search(ping_article)))
    figures["memory_idle_mib"] = sampler.snapshot_mib()

    imported = {}
    for size in workload.imports:
        phase(f"web_import_{size}")
        project = client.create_project(f"bench-web-{size}-{time.time_ns()}")
        started = time.perf_counter()
        job_url, report = client.import_file(project, str(corpus[size]), size)
        seconds = time.perf_counter() - started
        articles = client.job_articles(job_url)
        if len(set(articles)) != size:
            raise RuntimeError(f"the pages of {job_url} list {len(set(articles))} imported articles, not {size}")
        stored = client.count_articles(project)
        if stored != size:
            raise RuntimeError(f"the web import of {size} stored {stored} articles")
        figures["web_import"][str(size)] = {"seconds": round(seconds, 3), "articles_per_s": round(size / seconds, 1)}
        figures["web_import"][str(size)].update(stored=stored, **report)
        imported[size] = articles

    # The imports leave story matching to the background worker; it finishes before the next
    # figure, so that no figure is measured beside it, and how long it took is a figure too.
    phase("background_after_web_imports")
    figures["background_jobs_s"]["after_web_imports"] = round(wait_for_background_jobs(env.get("DATABASE_URL")), 2)

    phase("create_span")
    article, text = span_article(client, imported[workload.imports[0]], workload.spans)
    spans = spans_in_order(text, workload.spans)
    figures["span_article"] = {"article": article, "chars": len(text), "spans": len(spans)}
    client.open_article(article)  # the analyst opens it first; its page carries the CSRF token
    created, seconds = [], []
    for span in spans:
        started = time.perf_counter()
        created.append(created_id(client.create_span(article, **span)))
        seconds.append(time.perf_counter() - started)
    figures["create_span"] = latency_ms(seconds)
    figures["create_span"]["first_50_p50_ms"] = round(percentile(seconds[:50], 50) * 1000, 2)
    figures["create_span"]["last_50_p50_ms"] = round(percentile(seconds[-50:], 50) * 1000, 2)

    phase("article_page")
    shown = []
    page_times = timings(workload.article_loads, lambda: shown.append(client.annotations_shown(article)))
    if set(shown) != {len(spans)}:
        raise RuntimeError(f"the article page showed {set(shown)} annotations, not {len(spans)}")
    figures["article_page"] = {**latency_ms(page_times), "annotations": len(spans)}

    size = workload.imports[-1]
    phase(f"cli_import_{size}")
    name = f"bench-cli-{size}-{time.time_ns()}"
    project = client.create_project(name)
    started = time.perf_counter()
    manage(env, "import_articles", name, str(corpus[size]), log=OUT / "logs" / "cli-import.log")
    seconds = time.perf_counter() - started
    stored = client.count_articles(project)
    if stored != size:
        raise RuntimeError(f"the command-line import of {size} stored {stored} articles")
    figures["cli_import"][str(size)] = {"seconds": round(seconds, 3), "articles_per_s": round(size / seconds, 1)}
    figures["cli_import"][str(size)]["stored"] = stored
    phase("background_after_cli_import")
    figures["background_jobs_s"]["after_cli_import"] = round(wait_for_background_jobs(env.get("DATABASE_URL")), 2)
    return {"annotated": article, "annotations": created, "writable": imported[workload.imports[-1]]}


def mixed_load(server: AppServer, password: str, workload: Workload, handover: dict, figures: dict) -> None:
    client = SourcetraceClient(server.url, SUPERUSER, password)
    writer_articles = [Article(pk, client.article_text(pk)) for pk in handover["writable"][: workload.writers]]
    figures["loadavg_1m"]["mixed_load"] = round(os.getloadavg()[0], 2)
    with MemorySampler(server.pids) as sampler:
        sampler.phase = "mixed_load"
        figures["mixed_load"] = run_mixed_load(
            server.url,
            SUPERUSER,
            password,
            seconds=workload.load_seconds,
            writer_articles=writer_articles,
            annotations=handover["annotations"],
            annotations_page=f"/articles/{handover['annotated']}/",
            reader_articles=[handover["annotated"], *(article.pk for article in writer_articles)],
            editors=workload.editors,
            readers=workload.readers,
        )
    figures["mixed_load"]["workers"] = workload.load_workers
    figures["mixed_load"]["memory"] = sampler.report()


# ---------------------------------------------------------------- the table


def rate(result: dict) -> str:
    return f"{result['seconds']:.2f} s ({result['articles_per_s']:,.0f}/s)"


IMPORT_TARGETS = {
    ("web_import", 1000): ("< 0.6 s", lambda r: r["seconds"] < 0.6),
    ("web_import", 10_000): ("≥ 3,000/s", lambda r: r["articles_per_s"] >= 3000),
    ("cli_import", 10_000): ("≥ 4,000/s", lambda r: r["articles_per_s"] >= 4000),
}


def rows(figures: dict, workload: Workload):
    """(figure, measured, target, met) for every figure there is; met is None where no target applies."""
    for key, label in (("web_import", "Web import, end to end"), ("cli_import", "CLI import, whole command")):
        for size, result in figures.get(key, {}).items():
            target, met = IMPORT_TARGETS.get((key, int(size)), ("–", None))
            yield f"{label}, {int(size):,} articles", rate(result), target, met and met(result)
    for after, seconds in figures.get("background_jobs_s", {}).items():
        label = after.replace("after_", "after the ").replace("_", " ")
        yield f"Background jobs (story matching) {label}, finished in", f"{seconds:.1f} s", "–", None
    if span := figures.get("create_span"):
        measured = f"{span['p50_ms']:.1f} / {span['p95_ms']:.1f} ms"
        met = span["p50_ms"] < 6 and span["p95_ms"] < 10
        yield f"Create one span p50 / p95 ({workload.spans} into one article)", measured, "< 6 / 10 ms", met
    if page := figures.get("article_page"):
        p50 = page["p50_ms"]
        yield f"Article page with {page['annotations']} spans, p50", f"{p50:.1f} ms", "< 20 ms", p50 < 20
    if ping := figures.get("cheapest_page"):
        p50 = ping["p50_ms"]
        yield "Cheapest authenticated page (source search), p50", f"{p50:.1f} ms", "< 3 ms", p50 < 3
    servers = f"{workload.web_workers} workers + db_worker, RSS"
    if (idle := figures.get("memory_idle_mib")) is not None:
        yield f"Server memory idle, before the imports ({servers})", f"{idle:.0f} MiB", "< 300 MiB", idle < 300
    if memory := figures.get("memory"):
        peak = memory["rss_peak_mib"]
        yield f"Server memory peak ({servers}; PSS in the JSON)", f"{peak:.0f} MiB", "< 500 MiB", peak < 500
    if load := figures.get("mixed_load"):
        actors = f"{workload.writers} writers, {workload.editors} editors, {workload.readers} readers"
        setting = f"{actors}, {workload.load_seconds:.0f} s, {load['workers']} workers"
        throughput = load["requests_per_s"]
        yield f"Mixed load ({setting})", f"{throughput:.1f} req/s", "≥ 105 req/s", throughput >= 105
        for kind, result in [("all requests", load), *load["by_kind"].items()]:
            if result["n"]:
                measured = f"{result['p50_ms']:.0f} / {result['p95_ms']:.0f} ms"
                title = f"Mixed load, {kind} p50 / p95 ({result['n']:,})"
                yield title, measured, "p95 < 400 ms", result["p95_ms"] < 400
        errors = f"{load['errors']} ({load['conflicts']} edit conflicts)"
        yield "Mixed load errors (editors' 409 conflicts apart)", errors, "0", load["errors"] == 0
        yield "Server memory peak under the mixed load (RSS)", f"{load['memory']['rss_peak_mib']:.0f} MiB", "–", None


def table(figures: dict, workload: Workload) -> str:
    lines = ["| Figure | Measured | Target | Met |", "|---|---|---|---|"]
    for figure, measured, target, met in rows(figures, workload):
        lines.append(f"| {figure} | {measured} | {target} | {'–' if met is None else 'yes' if met else 'NO'} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- the run


def spin(stop) -> None:
    """Keep one core busy until `stop` is set: the fixed background load of --busy."""
    while not stop.is_set():
        for _ in range(100_000):
            pass


class BusyCore:
    """A process that spins on one core while the benchmark runs (--busy)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.stop = multiprocessing.Event()
        self.process = multiprocessing.Process(target=spin, args=(self.stop,), daemon=True)

    def __enter__(self):
        if self.enabled:
            self.process.start()
        return self

    def __exit__(self, *exc):
        if self.process.is_alive():
            self.stop.set()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # unwinds through the `with` blocks that stop the servers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 200/1,000 articles, 100 spans, 10 s load")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: embedded server")
    parser.add_argument("--load-seconds", type=float, help="length of the mixed load (0 skips it)")
    parser.add_argument("--busy", action="store_true", help="run beside a process that keeps one core busy")
    parser.add_argument(
        "--poll", type=float, help="seconds between polls of an import's job page (default: as the page polls)"
    )
    args = parser.parse_args()
    workload = QUICK if args.quick else FULL
    if args.load_seconds is not None:
        workload = Workload(**{**asdict(workload), "load_seconds": args.load_seconds})
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    mode = ("quick" if args.quick else "full") + ("-busy" if args.busy else "")
    figures = {
        "mode": mode,
        "busy_core": args.busy,
        "workload": asdict(workload),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "host": {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()},
        "loadavg_1m": {},
        "web_import": {},
        "cli_import": {},
        "background_jobs_s": {},
    }
    result_file = OUT / "results" / f"http-{mode}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    try:
        print(f"Generating the corpus ({', '.join(map(str, workload.imports))} articles, seed 42)", flush=True)
        corpus = write_corpus(OUT / "corpus", list(workload.imports))
        figures["corpus_sha256"] = {n: hashlib.sha256(path.read_bytes()).hexdigest() for n, path in corpus.items()}
        figures["database"] = prepare_database(args.database_url)
        env = production_env(args.database_url)
        password = secrets.token_urlsafe(16)
        print(f"Preparing the database {figures['database']} (migrate, collectstatic, superuser)", flush=True)
        prepare_app(env, password, OUT / "logs" / "prepare.log")
        with BusyCore(args.busy):
            with AppServer(env, workers=workload.web_workers, log_dir=OUT / "logs") as server:
                print(f"Measuring {server.url} ({workload.web_workers} workers + db_worker)", flush=True)
                with MemorySampler(server.pids) as sampler:
                    client = SourcetraceClient(server.url, SUPERUSER, password, poll=args.poll)
                    handover = measure(client, sampler, env, workload, corpus, figures)
                figures["memory"] = sampler.report()
            if workload.load_seconds > 0:
                with AppServer(env, workers=workload.load_workers, log_dir=OUT / "logs") as server:
                    print(
                        f"Mixed load for {workload.load_seconds:.0f} s on {server.url} "
                        f"({workload.load_workers} workers + db_worker)",
                        flush=True,
                    )
                    mixed_load(server, password, workload, handover, figures)
        figures["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    finally:
        result_file.parent.mkdir(parents=True, exist_ok=True)
        result_file.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        print()
        if args.quick:
            print("Quick mode: a smaller workload than the targets assume; 'Met' is indicative only.\n")
        if args.busy:
            print("Busy mode: measured beside a process that kept one core busy.\n")
        print(table(figures, workload))
        print(f"\nAll figures: {result_file.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
