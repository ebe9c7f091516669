"""What every page's header shows of the annotations: the signed-in user's new replies and the
rejections of their own annotations that wait for their rework."""

from collections import OrderedDict
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Count, Subquery, Value
from django.db.models.functions import Coalesce

from apps.annotations.models import Annotation, Comment
from apps.projects.permissions import blinded_project_ids, project_ids

# Statements of the count, compiled, for the users most recently served by this process.
COMPILED_LIMIT = 512

# The header counts up to this many of each ("100+"): an analyst with thousands of rejections
# would otherwise have them all read on every page.
MAX_COUNTED = 100


def counted(queryset) -> Subquery:
    """The number of rows of `queryset` up to MAX_COUNTED, as a subquery of another query."""
    first = queryset.order_by().values("pk")[:MAX_COUNTED]
    return Coalesce(
        Subquery(
            queryset.model.objects.filter(pk__in=first)
            .order_by()
            .values(one=Value(1))
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


class UnreadReplies:
    """Counted when a page shows the count, in one query: the fragments that htmx swaps in and
    the answers to a change never show the header, and never pay for it."""

    def __init__(self, user):
        self.user = user

    # Compiling the query cost more CPU than running it (a third of a small page's). Its SQL
    # depends only on the user and what scopes them (their projects, the blind ones among
    # them), so it is compiled once per such state and process.
    compiled: OrderedDict = OrderedDict()

    @cached_property
    def counts(self) -> tuple[int, int]:
        """The new replies and the rejections waiting for the user's rework, in one query."""
        user = self.user
        ids = project_ids(user)
        scope = (user.pk, None if ids is None else tuple(ids), tuple(sorted(blinded_project_ids(user))))
        statement = self.compiled.get(scope)
        if statement is None:
            statement = self.compiled[scope] = self.query().query.sql_with_params()
            if len(self.compiled) > COMPILED_LIMIT:
                self.compiled.popitem(last=False)
        with connections[router.db_for_read(get_user_model())].cursor() as cursor:
            cursor.execute(*statement)
            row = cursor.fetchone()
        if row is None:
            raise get_user_model().DoesNotExist
        return row

    def query(self):
        return (
            get_user_model()
            .objects.filter(pk=self.user.pk)
            .values_list(
                counted(Comment.objects.unread_in_threads_of(self.user)),
                counted(Annotation.objects.rejected_for(self.user)),
            )
        )

    @property
    def replies(self) -> int:
        return self.counts[0]

    @property
    def rejected(self) -> int:
        return self.counts[1]

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def more(self) -> bool:
        """Whether there are more than counted."""
        return MAX_COUNTED in self.counts


def unread_replies(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_replies": UnreadReplies(user)}
