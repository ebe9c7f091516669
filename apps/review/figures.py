"""A project's figures, worked out once and kept until an annotation changes anywhere.

The dashboard and the agreement read every annotation of a project (and its history); at
100,000 annotations that costs a quarter of a second to seconds, while a reviewer opens the
pages far more often than the annotations change. Every change made through the annotation
services adds an annotation or a history entry, so the newest id of each (two index look-ups)
tells whether figures kept earlier still hold. What those ids miss (rows deleted with their
article, changes made outside the services) is forgotten after FIGURES_SECONDS at the latest.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from apps.annotations.models import Annotation, AnnotationEvent

FIGURES_SECONDS = 600


def data_version() -> tuple[int | None, int | None]:
    """The newest annotation id and the newest history entry id, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(id) FROM {Annotation._meta.db_table}), "  # noqa: S608 - table names of our models
            f"(SELECT max(id) FROM {AnnotationEvent._meta.db_table})"
        )
        return cursor.fetchone()


def project_figures(name: str, project, compute: Callable):
    """`compute(project)`, or what it gave while nothing changed since."""
    key = f"review:{name}:{project.pk}:" + ":".join(map(str, data_version()))
    figures = cache.get(key)
    if figures is None:
        figures = compute(project)
        cache.set(key, figures, FIGURES_SECONDS)
    return figures
