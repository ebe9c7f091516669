from django.core.exceptions import PermissionDenied

from apps.sources.models import Source, tidy_name


def find_or_create_source(*, project, name: str, kind: str, introduced_by=None) -> Source:
    """Return the project's source called `name` (or so aliased), creating it if there is none.

    Names are compared without case, accents, punctuation or spaces, so "Mil- Man", "Mil Man"
    and "Mil-Man" are one person; a new spelling is remembered as an alias of the source.
    `introduced_by`: the analyst whose link asks for it, recorded if it is new (blind mode hides
    it from the other analysts, see SourceQuerySet.open_to).
    """
    spelled = " ".join(name.split())
    source = Source.objects.in_project(project).named(spelled).filter(kind=kind).first()
    if source is None:
        source, _ = Source.objects.get_or_create(
            project=project, kind=kind, name=tidy_name(spelled), defaults={"introduced_by": introduced_by}
        )
    if spelled != source.name and spelled not in source.aliases:
        source.add_alias(spelled)
        source.save(update_fields=["aliases"])
    return source


def save_source(*, source: Source, user) -> Source:
    """Create or change a source by hand; `user` must be a member of its project."""
    perm = "sources.change_source" if source.pk else "sources.add_source"
    if not user.has_perm(perm, source.project):
        raise PermissionDenied("Only members of the project can change its sources.")
    source.name = tidy_name(source.name)
    source.save()
    return source
