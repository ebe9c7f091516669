from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "apps.projects"

    def ready(self):
        from apps.projects import permissions  # noqa: F401 - registers the rules
