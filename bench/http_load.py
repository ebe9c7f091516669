"""A mixed load for a fixed time: writers, editors and readers at once, like a team at work.

Writers create spans in articles of their own (one analyst's document each, so no two write
the same span and a duplicate refusal would be a real error); editors open an annotation's
panel and save a new note with the version the panel gave them, and may race each other for
one annotation (409, counted apart as expected); readers load article pages. Each actor is a
thread with its own login; every request opens a new connection. Requests in flight at the
deadline finish and count.
"""

import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import requests

from bench.http_client import SourcetraceClient, panel_form

KINDS = ("claim", "quote", "fact")


@dataclass
class Article:
    pk: int
    text: str


def fresh_spans(text: str):
    """Spans of one to three whole words, each kind in turn: thousands per article, never twice."""
    words = [(match.start(), match.end()) for match in re.finditer(r"\w+", text)]
    for width in (1, 2, 3):
        for kind in KINDS:
            for first in range(len(words) - width + 1):
                start, end = words[first][0], words[first + width - 1][1]
                yield kind, start, end, text[start:end]


# Two editors saving one annotation: the later is told it changed meanwhile (409), by design.
CONFLICT_EXPECTED = {"save note"}


def outcome(kind: str, status: int | str) -> str:
    """ "ok", "conflict" (an editor's expected 409) or "error" (anything else, also a lost connection)."""
    if isinstance(status, int) and 200 <= status < 400:
        return "ok"
    return "conflict" if status == 409 and kind in CONFLICT_EXPECTED else "error"


class Tally:
    """Latencies and outcomes per kind of request, shared by all actors."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(Counter)
        self.samples = []  # the first errors, to tell what went wrong

    def add(self, kind: str, seconds: float | None, status: int | str, detail: str = "") -> None:
        with self.lock:
            if seconds is not None:
                self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if outcome(kind, status) == "error" and len(self.samples) < 10:
                self.samples.append(f"{kind}: {status} {detail[:300]}")


def timed(tally: Tally, kind: str, send, *args, **kwargs):
    """Send one request, record it, and return the response (None when the connection failed)."""
    started = time.perf_counter()
    try:
        response = send(*args, **kwargs)
    except requests.RequestException as error:
        tally.add(kind, time.perf_counter() - started, type(error).__name__, str(error))
        return None
    seconds = time.perf_counter() - started
    failed = outcome(kind, response.status_code) == "error"
    tally.add(kind, seconds, response.status_code, response.text if failed else "")
    return response


def write(client: SourcetraceClient, until: float, tally: Tally, rng, article: Article) -> None:
    for kind, start, end, exact in fresh_spans(article.text):
        if time.monotonic() >= until:
            return
        timed(tally, "create span", client.create_span, article.pk, kind, start, end, exact, expect=None)


def edit(client: SourcetraceClient, until: float, tally: Tally, rng, annotations: list[int], page: str) -> None:
    edits = 0
    while time.monotonic() < until:
        annotation = rng.choice(annotations)
        panel = timed(tally, "open panel", client.open_panel, annotation, page, expect=None)
        if panel is None or panel.status_code != 200:
            continue
        version, kind = panel_form(panel)
        edits += 1
        note = f"Checked against the source, edit {edits}."
        timed(tally, "save note", client.save_note, annotation, page, version, kind, note, expect=None)


def read(client: SourcetraceClient, until: float, tally: Tally, rng, articles: list[int]) -> None:
    while time.monotonic() < until:
        timed(tally, "article page", client.request, "GET", f"/articles/{rng.choice(articles)}/", expect=None)


def run_mixed_load(
    url: str,
    user: str,
    password: str,
    *,
    seconds: float,
    writer_articles: list[Article],
    annotations: list[int],
    annotations_page: str,
    reader_articles: list[int],
    editors: int = 5,
    readers: int = 2,
    seed: int = 11,
) -> dict:
    """Run one writer per article of `writer_articles`, `editors` editors and `readers` readers for `seconds`."""
    tally = Tally()
    actors = [(write, article) for article in writer_articles]
    actors += [(edit, annotations, annotations_page)] * editors + [(read, reader_articles)] * readers
    clock = {}

    def start_clock():
        clock.update(until=time.monotonic() + seconds, began=time.perf_counter(), cpu=time.process_time())

    # Each actor logs in first; the last one ready starts the clock for all.
    ready = threading.Barrier(len(actors), action=start_clock)

    def act(number, work, *args):
        try:
            client = SourcetraceClient(url, user, password)
            ready.wait()
            work(client, clock["until"], tally, random.Random(seed + number), *args)
        except threading.BrokenBarrierError:
            pass  # another actor could not log in
        except Exception as error:  # an actor that stops early must count, not vanish
            ready.abort()
            tally.add(f"{work.__name__} (stopped)", None, type(error).__name__, str(error))

    threads = [threading.Thread(target=act, args=(n, *actor), daemon=True) for n, actor in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if "began" not in clock:
        raise RuntimeError(f"the mixed load did not start: {tally.samples}")
    elapsed = time.perf_counter() - clock["began"]
    result = summarise(tally, elapsed, actors=Counter(work.__name__ for work, *_ in actors))
    # Near 100 % the client itself would be what limits the rate.
    result["client_cpu_percent"] = round((time.process_time() - clock["cpu"]) / elapsed * 100)
    return result


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), as the peers were reported."""
    values = sorted(values)
    rank = (len(values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def latency_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2)}


def summarise(tally: Tally, elapsed: float, actors: Counter) -> dict:
    kinds, every = {}, []
    for kind, statuses in tally.statuses.items():
        latencies = tally.latencies[kind]
        counts = Counter()
        for status, n in statuses.items():
            counts[outcome(kind, status)] += n
        kinds[kind] = latency_ms(latencies) if latencies else {"n": 0}
        kinds[kind].update(errors=counts["error"], conflicts=counts["conflict"])
        kinds[kind]["statuses"] = {str(status): n for status, n in statuses.items()}
        every += latencies
    return {
        "seconds": round(elapsed, 2),
        "actors": dict(actors),
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        **latency_ms(every),
        "errors": sum(kind["errors"] for kind in kinds.values()),
        "conflicts": sum(kind["conflicts"] for kind in kinds.values()),
        "by_kind": kinds,
        "first_errors": tally.samples,
    }
