import re

from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.projects.models import ProjectScopedQuerySet


def tidy_name(name: str) -> str:
    """Collapse white space, and the line-break hyphenation of "Arkady Mil- Man"."""
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(name.split()))


class SourceQuerySet(ProjectScopedQuerySet):
    def in_project(self, project):
        return self.filter(project=project)

    def matching(self, query: str):
        """Sources whose name or one of whose aliases contains `query` (type-ahead)."""
        query = query.strip()
        if not query:
            return self
        aliases_text = models.Func(
            models.F("aliases"), models.Value(" | "), function="array_to_string", output_field=models.TextField()
        )
        return self.alias(aliases_text=aliases_text).filter(
            models.Q(name__icontains=query) | models.Q(aliases_text__icontains=query)
        )

    def named(self, name: str):
        """Sources called `name` (any case), or having it or its tidied spelling as an alias."""
        spellings = sorted({" ".join(name.split()), tidy_name(name)})
        return self.filter(models.Q(name__iexact=tidy_name(name)) | models.Q(aliases__overlap=spellings))


class SourceKind(models.TextChoices):
    PERSON = "person"
    ORGANISATION = "organisation"
    OUTLET = "outlet"
    REPORT = "report", "report or document"
    STATEMENT = "statement", "official statement"
    WEB_PAGE = "web_page", "web page"
    ARTICLE = "article"


class Source(models.Model):
    """Where an assertion comes from: a person, an organisation, an outlet, a document..."""

    Kind = SourceKind

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind)
    url = models.URLField(max_length=2000, blank=True)
    description = models.TextField(blank=True)
    aliases = ArrayField(
        models.CharField(max_length=300),
        blank=True,
        default=list,
        help_text="Other spellings, e.g. “Mil- Man” for “Mil-Man”.",
    )
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="affiliates",
        help_text="A person's organisation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "name"], name="source_unique_per_project"),
            models.CheckConstraint(condition=models.Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=~models.Q(name=""), name="source_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    def add_alias(self, alias: str) -> None:
        alias = " ".join(alias.split())
        if alias and alias != self.name and alias not in self.aliases:
            self.aliases.append(alias)
