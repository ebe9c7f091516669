from django.apps import AppConfig
from django.conf import settings


class ImportsConfig(AppConfig):
    name = "apps.imports"

    def ready(self):
        from apps.imports.normalise import route_extraction_logs

        route_extraction_logs(configured=(settings.LOGGING or {}).get("loggers", {}))
