from django.apps import AppConfig
from django.conf import settings


class ImportsConfig(AppConfig):
    name = "apps.imports"

    def ready(self):
        from apps.imports.normalise import route_extraction_logs

        route_extraction_logs(configured=(settings.LOGGING or {}).get("loggers", {}))

    def take_over_stale_jobs(self):
        """Queue again the import jobs whose worker died (`manage.py db_worker` calls it every few seconds)."""
        from apps.imports.tasks import restart_stale_jobs

        restart_stale_jobs()
