from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search over the user's articles, annotations and sources; it reads, it writes nothing."""

    name = "apps.search"
