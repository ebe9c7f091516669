from django.apps import AppConfig


class StoriesConfig(AppConfig):
    """One story in several texts: its articles side by side, counterpart spans, versions of an article."""

    name = "apps.stories"

    def ready(self):
        from apps.annotations.sections import add_panel_section
        from apps.stories.sections import counterparts_in_panel

        add_panel_section(counterparts_in_panel)
