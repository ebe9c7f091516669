import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Uploads wait in a folder of the test's own, which it can look into."""
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings.IMPORT_DIR


def run_worker():
    """The real database-backed worker, as `manage.py db_worker` runs beside the server, until no task is left."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def subprocess_env(**extra) -> dict:
    """The environment of a process started by a test: the test database, as the test's own settings."""
    database = connection.settings_dict
    return {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{quote(database['USER'])}@{quote(database['HOST'], safe='')}:{database['PORT']}/{quote(database['NAME'])}",
        **extra,
    }


def manage(*args, **options) -> subprocess.Popen:
    """Start `manage.py` with these arguments in a process of its own, on the test database."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def stop_worker(worker: subprocess.Popen, grace: float = 5) -> None:
    """Stop a db_worker as `make run` does: SIGTERM, and SIGKILL once the grace time is over.

    SIGTERM lets it finish the task at hand, which may be the story matches of thousands of
    articles imported just before.
    """
    worker.send_signal(signal.SIGTERM)
    try:
        worker.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.communicate()


def write_jsonl(path: Path, count: int, *, start: int = 0, words: int = 40) -> Path:
    """`count` distinct news items, one JSON object a line, each about `words` * 7 bytes of text."""
    with path.open("w") as file:
        for n in range(start, start + count):
            filler = " ".join(f"district{n % 97}-{w}" for w in range(words))
            text = f"Item {n}: the council of town {n} met on Monday and approved budget {n} after debate. {filler}."
            file.write(json.dumps({"title": f"Item {n}", "text": text, "lang": "en"}) + "\n")
    return path
