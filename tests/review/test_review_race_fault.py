"""A long fault run (`make faults`): five reviewers decide the same submitted annotation at once,
forty times, through a production server (gunicorn with DEBUG off, five workers), some through the
JSON API with a bearer token, the others through the workbench with their session and CSRF token.
Each round exactly one decision wins (200 with the annotation); the others answer 409 with the
annotation as the winner left it; the version rises by one; the history holds the winner only."""

import http.client
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection

import config.settings as production
from apps.annotations.models import Annotation
from apps.api.models import ApiToken
from apps.projects.models import Membership
from tests.config.servers import Browser, collect_static, database_url, production_env, start_gunicorn, stop
from tests.factories import AnnotationFactory, ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.fault

ROUNDS = 40
REVIEWERS = 5
PASSWORD = "right-pass-123"
DECIDED = {"approve": "approved", "reject": "rejected", "draft": "draft"}
ACTIONS = {"approve": "approved", "reject": "rejected", "draft": "returned"}


@dataclass
class Outcome:
    reviewer: str
    channel: str  # "api" or "workbench"
    decision: str
    reason: str
    status: int
    body: str


def api_decide(port: int, secret: str, pk: int, body: dict, headers: dict) -> tuple[int, str]:
    """One decision as a script sends it, on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            f"/api/v1/annotations/{pk}/review",
            body=json.dumps(body),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json", **headers},
        )
        answer = conn.getresponse()
        return answer.status, answer.read().decode()
    finally:
        conn.close()


def test_five_reviewers_deciding_at_once_leave_exactly_one_decision(transactional_db, settings, tmp_path_factory):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the server checks with its own hashers
    project = ProjectFactory(name="Race")
    analyst = UserFactory(username="race-analyst")
    MembershipFactory(project=project, user=analyst, role=Membership.Role.ANALYST)
    article = ArticleFactory(project=project, text=" ".join(f"w{n:03d}" for n in range(ROUNDS)))
    reviewers = []
    for number in range(REVIEWERS):
        user = UserFactory(username=f"race-reviewer{number}", password=PASSWORD)
        MembershipFactory(project=project, user=user, role=Membership.Role.REVIEWER)
        _, secret = ApiToken.issue(user=user, name="race")
        reviewers.append((user.username, secret))
    # One submitted annotation per round, each at version 1 as every reviewer's page shows it.
    annotations = [
        AnnotationFactory(article=article, created_by=analyst, start=n * 5, end=n * 5 + 4, status="submitted")
        for n in range(ROUNDS)
    ]

    static_root = tmp_path_factory.mktemp("static")
    collect_static(static_root)
    env = production_env(database_url(connection.settings_dict), STATIC_ROOT=str(static_root), SECURE_SSL_REDIRECT="0")
    log = tmp_path_factory.mktemp("race") / "gunicorn.log"
    gunicorn, port = start_gunicorn(env, log, workers=REVIEWERS)
    outcomes: list[list[Outcome]] = []
    chosen = random.Random(20261207)
    decisions = [[chosen.choice(list(DECIDED)) for _ in range(REVIEWERS)] for _ in range(ROUNDS)]
    try:
        sessions = {}
        for username, _ in reviewers:
            browser = Browser(port)
            browser.request("GET", "/login/")
            assert browser.request("POST", "/login/", form={"username": username, "password": PASSWORD}).status == 302
            sessions[username] = browser
        barrier = threading.Barrier(REVIEWERS)

        def decide(index: int, annotation: Annotation, round_number: int) -> Outcome:
            username, secret = reviewers[index]
            decision = decisions[round_number][index]
            reason = f"Round {round_number}: {username} says {decision}."
            channel = "api" if (index + round_number) % 2 == 0 else "workbench"
            # What the page or the script read: version 1, sent in the body, as If-Match, or (one
            # reviewer in four rounds of five) not at all, which decides only while submitted.
            seen = None if (index == 4 and round_number % 5) else 1
            barrier.wait(timeout=60)
            if channel == "api":
                body = {"decision": decision, "reason": reason}
                headers = {}
                if seen is not None and round_number % 2:
                    headers["If-Match"] = f'"annotation-{annotation.pk}-v{seen}"'
                elif seen is not None:
                    body["version"] = seen
                status, text = api_decide(port, secret, annotation.pk, body, headers)
            else:
                form = {"decision": decision, "reason": reason}
                if seen is not None:
                    form["version"] = seen
                answer = sessions[username].request(
                    "POST",
                    f"/annotations/{annotation.pk}/review/",
                    form=form,
                    headers={"HX-Request": "true"},
                    timeout=60,
                )
                status, text = answer.status, answer.text
            return Outcome(username, channel, decision, reason, status, text)

        started = time.monotonic()
        with ThreadPoolExecutor(REVIEWERS) as pool:
            for round_number, annotation in enumerate(annotations):
                futures = [pool.submit(decide, index, annotation, round_number) for index in range(REVIEWERS)]
                outcomes.append([future.result(timeout=120) for future in futures])
        elapsed = time.monotonic() - started
        assert gunicorn.poll() is None, log.read_text()
    finally:
        stop(gunicorn)

    wins = conflicts = 0
    for annotation, round_outcomes in zip(annotations, outcomes, strict=True):
        statuses = sorted(outcome.status for outcome in round_outcomes)
        assert statuses == [200] + [409] * (REVIEWERS - 1), (annotation.pk, round_outcomes)
        [winner] = [outcome for outcome in round_outcomes if outcome.status == 200]
        annotation.refresh_from_db()
        assert (annotation.status, annotation.version) == (DECIDED[winner.decision], 2)
        assert annotation.reviewed_by.username == winner.reviewer
        # The history holds the winner's decision, and nobody else's.
        events = list(annotation.events.values_list("action", "actor__username", "comment"))
        assert events == [(ACTIONS[winner.decision], winner.reviewer, winner.reason)]
        changes = annotation.history.filter(pgh_label="changed").values_list("status", "version")
        assert list(changes) == [(DECIDED[winner.decision], 2)]
        assert_answer_shows(winner, DECIDED[winner.decision], 2)
        for loser in round_outcomes:
            if loser is not winner:
                assert_answer_shows(loser, DECIDED[winner.decision], 2)
                assert "Your decision was not recorded" in loser.body
        wins += 1
        conflicts += REVIEWERS - 1
    channels = {channel: sum(o.channel == channel for r in outcomes for o in r) for channel in ("api", "workbench")}
    print(
        f"\nreview race: {ROUNDS} rounds, {ROUNDS * REVIEWERS} decisions "
        f"({channels['api']} API, {channels['workbench']} workbench), {wins} won, {conflicts} answered 409, "
        f"{elapsed:.1f} s"
    )


def assert_answer_shows(outcome: Outcome, status: str, version: int) -> None:
    """The answer shows the annotation as the winner left it: the API's JSON (the annotation, or the
    conflict with `current`), the workbench's panel."""
    if outcome.channel == "api":
        body = json.loads(outcome.body)
        shown = body if outcome.status == 200 else body["current"]
        assert (shown["status"], shown["version"]) == (status, version), body
    else:
        assert f'data-version="{version}"' in outcome.body, outcome.body[:500]
        assert f'class="status status-{status}"' in outcome.body, outcome.body[:500]
