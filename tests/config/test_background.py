"""Background work after an import yields the CPU to requests: the worker runs it in a thread of
lower priority, and everything else at its own."""

import os
import threading

import pytest
from django.core.management import call_command
from django.tasks.signals import task_started

from apps.articles.models import StoryMatch
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from config.background import NICENESS, run_at_low_priority
from tests.conftest import ENGLISH_SEED, GERMAN_SEED


def nice_value() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_low_priority_call_runs_at_a_higher_nice_value_and_returns_its_answer():
    mine = nice_value()
    assert run_at_low_priority(nice_value) == min(19, mine + NICENESS)
    assert nice_value() == mine  # the caller keeps its priority


def test_a_low_priority_call_raises_the_error_of_the_call():
    def refuse(reason):
        raise ValueError(reason)

    with pytest.raises(ValueError, match="no such article"):
        run_at_low_priority(refuse, "no such article")


@pytest.mark.django_db(transaction=True)
def test_the_worker_matches_and_indexes_new_articles_at_the_lower_priority(project, analyst):
    seen = []

    def note_priority(sender, task_result, **kwargs):
        seen.append((task_result.task.name, nice_value()))

    for seed in (ENGLISH_SEED, GERMAN_SEED):
        import_items(project=project, items=[*read_upload(seed.name, seed.read_bytes())], user=analyst)
    mine = nice_value()
    task_started.connect(note_priority)
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False)
    finally:
        task_started.disconnect(note_priority)
    assert sorted({name for name, _ in seen}) == ["index_new_articles", "match_new_articles"]
    assert {priority for _, priority in seen} == {min(19, mine + NICENESS)}
    assert nice_value() == mine
    assert StoryMatch.objects.count() == 2  # the work was done, and its rows committed
