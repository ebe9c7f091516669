"""One setting, SITE_URL, gives the address that the links and ids of exports start with: the
browser's export, the API's W3C annotations and the command line's export of the same project
name everything alike, whatever address the request came to."""

import json
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.claims.services import create_claim_from, set_verdict
from tests.api.conftest import api_client_for
from tests.config.test_setup import settings_in_subprocess
from tests.conftest import client_for
from tests.imports.conftest import PROJECT_ROOT, subprocess_env

SITE = "https://sourcetrace.example"
W3C = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def ids(document) -> set[str]:
    """Every id and IRI-valued field in a JSON-LD document."""
    found = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key in {"id", "@id", "url", "source", "scope"} and isinstance(value, str):
                found.add(value)
            found |= ids(value)
    elif isinstance(document, list):
        for item in document:
            found |= ids(item)
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["w3c", "claimreview"])
def test_the_browsers_and_the_command_lines_export_of_a_project_are_identical_in_every_id(
    client, analyst, reviewer, project, seeded, settings, fmt
):
    Annotation.objects.update(status="approved", reviewed_at=timezone.now())
    claim = create_claim_from(annotation=Annotation.objects.filter(kind="claim").first(), user=analyst)
    set_verdict(claim=claim, user=reviewer, verdict="false", rationale="", base_version=1)  # for ClaimReview
    settings.SITE_URL = SITE  # as the server's environment sets it
    client_for(client, analyst)
    # The request comes to another address (a port of its own, say) than the public one.
    response = client.get(reverse("exports:project", args=[project.pk, fmt]), HTTP_HOST="127.0.0.1:8123")
    from_browser = b"".join(response.streaming_content)

    # The command line in a process of its own, as an operator runs it beside the server.
    command = subprocess.run(
        [sys.executable, "manage.py", "export", str(project.pk), "--format", fmt],
        cwd=PROJECT_ROOT,
        env=subprocess_env(SITE_URL=SITE),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert command.returncode == 0, command.stderr.decode()
    assert command.stdout == from_browser

    document = json.loads(from_browser)
    ours = {iri for iri in ids(document) if not iri.startswith("https://news.example/")}
    assert ours and {iri for iri in ours if not iri.startswith(SITE + "/")} == set()


def test_the_apis_web_annotations_have_the_ids_of_the_exports(analyst, project, seeded, settings, client):
    settings.SITE_URL = SITE
    annotation = Annotation.objects.filter(article=seeded["english"]).order_by("pk").first()
    served = api_client_for(analyst).get(f"/annotations/{annotation.pk}", headers={"Accept": W3C}).json()
    client_for(client, analyst)
    exported = json.loads(
        b"".join(client.get(reverse("exports:article", args=[seeded["english"].pk, "w3c"])).streaming_content)
    )
    [same] = [item for item in exported["first"]["items"] if item["id"] == served["id"]]
    assert served["id"].startswith(SITE + "/") and same["target"]["source"]["id"] == served["target"]["source"]["id"]


def test_site_url_comes_from_the_environment_with_export_base_url_as_its_earlier_name():
    assert settings_in_subprocess("settings.SITE_URL", DEBUG="1").stdout.strip() == "http://localhost:8000"
    given = settings_in_subprocess("settings.SITE_URL, settings.EXPORT_BASE_URL", DEBUG="1", SITE_URL=SITE + "/")
    assert given.stdout.split() == [SITE, SITE]
    alias = settings_in_subprocess("settings.SITE_URL", DEBUG="1", EXPORT_BASE_URL="http://10.0.0.5:8080")
    assert alias.stdout.strip() == "http://10.0.0.5:8080"
    refused = settings_in_subprocess("settings.SITE_URL", DEBUG="1", SITE_URL="sourcetrace.example")
    assert refused.returncode != 0 and "SITE_URL must be the site's public address" in refused.stderr
