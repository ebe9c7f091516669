"""The app run as deployed, for tests: gunicorn with DEBUG off, and Caddy in front with deploy/Caddyfile."""

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
SECRET_KEY = "test-only-production-key-" + "k" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    host = quote(settings_dict["HOST"] or "", safe="")
    user = quote(settings_dict["USER"] or "")
    return f"postgres://{user}@{host}:{settings_dict['PORT'] or 5432}/{quote(settings_dict['NAME'])}"


def production_env(database: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "EMBEDDED_DB_NAME"}}
    return env | {
        "DATABASE_URL": database,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def collect_static(static_root: Path) -> None:
    """Collect the static files once: DEBUG off serves them from the manifest, as in the image."""
    if not (static_root / "staticfiles.json").exists():
        env = production_env("postgres://unused/unused", STATIC_ROOT=str(static_root))
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}\n{log.read_text()}")


def start_gunicorn(env: dict[str, str], log: Path, *, workers: int = 1) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, process, log)
    return process, port


def start_caddy(upstream_port: int, folder: Path, *, tls: bool, **extra: str) -> tuple[subprocess.Popen, int, int]:
    """Start Caddy with the deployed Caddyfile on free ports; return it, its site port and its HTTP port."""
    site_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "SITE_ADDRESS": f"{'https' if tls else 'http'}://127.0.0.1:{site_port}",
        "UPSTREAM": f"127.0.0.1:{upstream_port}",
        "PROXY_ADMIN": "off",
        "PROXY_HTTP_PORT": str(http_port),
        "PROXY_HTTPS_PORT": str(site_port if tls else free_port()),
        # Its certificates and its own CA go to the test's folder.
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "HOME": str(folder),
        **extra,
    }
    log = folder / "caddy.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "caddy"), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(site_port, process, log)
    return process, site_port, http_port


def caddy_ca(folder: Path) -> ssl.SSLContext:
    """A TLS context that trusts the CA Caddy made for itself in `folder`."""
    root = folder / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    deadline = time.monotonic() + 10
    while not root.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return ssl.create_default_context(cafile=str(root))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Browser:
    """Just enough of a browser: keeps cookies, sends the CSRF token back."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def request(self, method, path, *, form=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies["csrftoken"].value, **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies["csrftoken"].value
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        conn.close()
        return response


def postmaster(data_dir: Path) -> psutil.Process:
    return psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
