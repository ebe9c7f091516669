from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "apps.annotations"

    def ready(self):
        from apps.annotations.models import unread_replies_of_user
        from apps.projects.permissions import USER_COLUMNS

        # The header's count of new replies comes with the signed-in user, in the same query.
        USER_COLUMNS["unread_replies"] = unread_replies_of_user
