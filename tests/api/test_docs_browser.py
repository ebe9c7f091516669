"""The API's browsable docs in Chromium: Swagger UI runs from the app's own files under its CSP."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_shows_every_resource_without_breaking_the_csp(page):
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if "127.0.0.1" not in request.url and "localhost" not in request.url else None
        ),
    )

    page.goto("/api/v1/docs")

    expect(page.get_by_role("heading", name="Sourcetrace API")).to_be_visible()
    for tag in ("projects", "articles", "imports", "annotations", "sources"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    page.locator("#operations-annotations-apps_api_endpoints_annotations_annotation_list").click()
    expect(page.get_by_text("updated_since").first).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert not outside, f"the docs fetched from elsewhere: {outside}"
    assert not refused, f"the CSP refused: {refused}"
