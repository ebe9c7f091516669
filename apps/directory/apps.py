from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The sources of a project as a directory: a page per source with everything linked to it, and merges."""

    name = "apps.directory"
