from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The review desk beyond single decisions: agreement between analysts, curation, the dashboard."""

    name = "apps.review"
