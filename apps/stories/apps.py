from django.apps import AppConfig


class StoriesConfig(AppConfig):
    """One story in several texts: its articles side by side, counterpart spans, versions of an article."""

    name = "apps.stories"
