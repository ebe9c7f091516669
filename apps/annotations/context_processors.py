"""What every page's header shows of the annotations: the signed-in user's new replies."""

from functools import cached_property

from apps.annotations.models import Comment


class UnreadReplies:
    """Counted when a page shows the count, in one query: the fragments that htmx swaps in and
    the answers to a change never show the header, and never pay for it."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return Comment.objects.unread_in_threads_of(self.user).count()


def unread_replies(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_replies": UnreadReplies(user)}
