import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in tests stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from apps.projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

SEEDS = Path(__file__).resolve().parent.parent / "apps" / "imports" / "demo"
ENGLISH_SEED = SEEDS / "000_8985a2fd63b26b78.txt"
GERMAN_SEED = SEEDS / "002_fa804ed8ee772100.txt"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def private_import_folder(settings, tmp_path):
    """Uploads of a test wait in its own folder, never among the development server's."""
    settings.IMPORT_DIR = tmp_path / "imports"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing each factory user's password the production way costs a quarter second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project(db):
    return ProjectFactory()


def member(project, role, username):
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=role)
    return user


@pytest.fixture
def analyst(project):
    return member(project, Membership.Role.ANALYST, "analyst1")


@pytest.fixture
def other_analyst(project):
    return member(project, Membership.Role.ANALYST, "analyst2")


@pytest.fixture
def reviewer(project):
    return member(project, Membership.Role.REVIEWER, "reviewer1")


@pytest.fixture
def outsider(db):
    """A user of another project."""
    return member(ProjectFactory(), Membership.Role.MANAGER, "outsider")


@pytest.fixture
def article(project):
    return ArticleFactory(project=project)


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def analyst_client(client, analyst):
    return client_for(client, analyst)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; its own browser download does not work here."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page, username, password="secret-pass-123"):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/articles/")
