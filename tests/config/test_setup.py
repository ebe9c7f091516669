import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import psycopg
import pytest
import yaml

from config.embedded_db import ensure_database, start_embedded_postgres

ROOT = Path(__file__).resolve().parents[2]
# The Compose specification's JSON schema (github.com/compose-spec/compose-spec, Apache-2.0).
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")


def test_docker_compose_file_follows_the_compose_specification():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)
    assert compose["services"]["db"]["healthcheck"]
    assert "gunicorn" in " ".join(compose["services"]["web"]["command"])
    assert compose["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_publishes_only_the_proxy_and_the_app_trusts_only_it():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    web, proxy = services["web"], services["proxy"]
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert web["healthcheck"]["test"] and proxy["healthcheck"]["test"]
    # The proxy's fixed address is the one both gunicorn and Django believe forwarded headers from.
    proxy_address = proxy["networks"]["app"]["ipv4_address"]
    assert web["environment"]["FORWARDED_ALLOW_IPS"] == web["environment"]["TRUSTED_PROXIES"] == proxy_address
    assert "SECURE_SSL_REDIRECT" not in web["environment"]  # on, as production settings have it
    assert web["environment"]["DEBUG"] == "0"


def test_the_caddyfile_is_valid_for_caddy():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "caddy"),
            "validate",
            "--config",
            "deploy/Caddyfile",
            "--adapter",
            "caddyfile",
        ],
        cwd=ROOT,
        env={**os.environ, "SITE_ADDRESS": "sourcetrace.example", "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def settings_in_subprocess(expression: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "postgres://unused/unused", **env},
        capture_output=True,
        text=True,
    )


def test_debug_is_off_unless_asked_for_and_then_a_secret_key_is_required():
    assert settings_in_subprocess("settings.DEBUG", SECRET_KEY="k" * 50).stdout.strip() == "False"
    assert settings_in_subprocess("settings.DEBUG", DEBUG="1").stdout.strip() == "True"
    refused = settings_in_subprocess("settings.DEBUG")
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr


def test_the_pool_waits_for_a_connection_no_longer_than_a_connection_may_take():
    """While the database is down a request waits at most DATABASE_CONNECT_TIMEOUT, pool or not."""
    options = "settings.DATABASES['default']['OPTIONS']"
    pooled = {"SECRET_KEY": "k" * 50, "DATABASE_POOL": "1"}
    timeouts = f"{options}['pool']['timeout'], {options}['connect_timeout']"
    assert settings_in_subprocess(timeouts, **pooled).stdout.strip() == "3 3"
    assert settings_in_subprocess(timeouts, **pooled, DATABASE_CONNECT_TIMEOUT="7").stdout.strip() == "7 7"


def test_the_local_secret_key_file_is_private_and_one_for_all_processes(tmp_path):
    key_file = tmp_path / "data" / "secret_key"
    code = (
        "import sys; from pathlib import Path; from config.settings import local_secret_key;"
        f"print(local_secret_key(Path({str(key_file)!r})))"
    )
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "postgres://unused/unused"}
    # Started together, as make run's server and worker are: one key for all, written once.
    starts = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    keys = {start.communicate()[0].strip() for start in starts}
    assert len(keys) == 1 and len(keys.pop()) > 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]

    key_file.chmod(0o644)  # as an older checkout left it
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_embedded_server_is_reused_and_survives_a_stale_pid_file(tmp_path):
    data_dir = tmp_path / "pg"
    server = start_embedded_postgres(data_dir)
    info = server.get_postmaster_info()
    ensure_database(str(info.socket_dir), info.port, "probe")
    ensure_database(str(info.socket_dir), info.port, "probe")  # a second ask finds it
    # A second process asking for the same folder joins the running server.
    joined = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys; from pathlib import Path; from config.embedded_db import start_embedded_postgres;"
                f"s = start_embedded_postgres(Path({str(data_dir)!r})); print(s.get_pid())"
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert int(joined.stdout.split()[-1]) == server.get_pid()
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="probe") as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    server.cleanup()  # stop it, as a crash would leave it: then fake a stale pid file
    stale = data_dir / "postmaster.pid"
    stale.write_text("999999\n" + str(data_dir) + "\n0\n5432\n\n\n0 0\nready\n")
    restarted = start_embedded_postgres(data_dir)
    assert restarted.get_pid() != 999999
    restarted.cleanup()


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-42",
        "ALLOWED_HOSTS": "sourcetrace.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("content", ["", "[12, 3", "null", '{"a": 1}'])
def test_a_broken_client_list_of_the_embedded_server_is_reset(tmp_path, content):
    from config.embedded_db import repair_handle_list

    handles = tmp_path / ".handle_pids.json"
    handles.write_text(content)
    repair_handle_list(handles)
    assert handles.read_text() == "[]"
    handles.write_text("[101, 202]")
    repair_handle_list(handles)
    assert handles.read_text() == "[101, 202]"
