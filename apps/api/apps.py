from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The versioned JSON API under /api/v1/."""

    name = "apps.api"
