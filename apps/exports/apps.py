from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Annotations out of Sourcetrace in the forms other tools read."""

    name = "apps.exports"

    def take_over_stale_jobs(self):
        """Queue again the exports whose worker died, and delete the files that stopped exports left
        (`manage.py db_worker` calls it when it starts, then every few seconds)."""
        from apps.exports.partials import remove_abandoned_partials
        from apps.exports.tasks import restart_stale_exports

        restart_stale_exports()
        remove_abandoned_partials()
