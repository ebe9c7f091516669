from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Assertions tracked wherever they appear: claims, their appearances and verdicts, evidence between passages."""

    name = "apps.claims"
