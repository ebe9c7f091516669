from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Annotations out of Sourcetrace in the forms other tools read."""

    name = "apps.exports"
