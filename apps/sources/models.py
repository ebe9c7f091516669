import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField, TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat
from django.urls import reverse

from apps.projects.history import tracked
from apps.projects.models import ProjectScopedQuerySet, check_same_project
from apps.projects.permissions import blinded_project_ids
from apps.sources.validators import web_url, web_url_only

# Queries shorter than this have too few consonants to tell names apart (see `matching`).
TRANSPOSITION_MIN_LETTERS = 5
# A shorter part of a name finds only the sources of that very name (see `called`).
CALLED_MIN_LETTERS = 4


def tidy_name(name: str) -> str:
    """Collapse white space, and the line-break hyphenation of "Arkady Mil- Man"."""
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(name.split()))


def folded(expression):
    """The look-up key of a spelling: no case, accents, punctuation or spaces ("Mil- Man" -> "milman").

    sourcetrace_fold (migration 0002) is declared IMMUTABLE so that indexes can use it.
    """
    return models.Func(expression, function="sourcetrace_fold", output_field=models.TextField())


def consonants(expression):
    """`expression` without Latin vowels: "moredcahi" and "mordechai" are both "mrdch"."""
    return models.Func(expression, function="sourcetrace_consonants", output_field=models.TextField())


def search_vector(expression, weight: str = "A", config: str = "sourcetrace_simple"):
    """The words of `expression` as full-text search finds them, with their `weight` (A to D).

    The text search configurations (migration 0007) fold accents and case; `sourcetrace_simple`
    keeps every word as it is, the others reduce them to their stems. Naming the configuration
    in the SQL keeps the expression IMMUTABLE, which a generated column needs.
    """
    if weight not in "ABCD" or not config.replace("_", "").isalnum():
        raise ValueError(f"No such weight or configuration: {weight!r}, {config!r}")
    return models.Func(
        expression,
        template=f"setweight(to_tsvector('{config}'::regconfig, %(expressions)s), '{weight}')",
        output_field=SearchVectorField(),
    )


def joined_vectors(*vectors):
    return models.Func(*vectors, template="(%(expressions)s)", arg_joiner=" || ", output_field=SearchVectorField())


def words(expression):
    """A text array as one text, words apart (sourcetrace_words, migration 0007, is IMMUTABLE)."""
    return models.Func(expression, function="sourcetrace_words", output_field=models.TextField())


# The folded name and aliases, one word each, so that a trigram index covers every spelling.
SPELLINGS = models.Func(
    models.F("name"), models.F("aliases"), function="sourcetrace_spellings", output_field=models.TextField()
)


def spelling_pattern(key, *, whole: bool):
    """A regular expression for SPELLINGS: one spelling is `key` (`whole`) or starts with it.

    A folded key has only letters and digits, nothing for the expression to escape.
    """
    parts = [models.Value("(^| )"), key, models.Value("( |$)")] if whole else [models.Value("(^| )"), key]
    return Concat(*parts, output_field=models.TextField())


class SourceQuerySet(ProjectScopedQuerySet):
    def visible_to(self, user):
        return super().visible_to(user).open_to(user)

    def open_to(self, user):
        """Blind mode: a source another analyst's link brought in is their work, hidden from an
        analyst of a blind project until an annotation they see links it (their own, or one on
        a curated article). Sources made by hand, or by imports, are everyone's."""
        hidden = blinded_project_ids(user)
        if not hidden:
            return self
        # Looked up, not imported: annotations depend on sources, not the other way round.
        link_model = self.model._meta.get_field("links").related_model
        annotations = link_model._meta.get_field("annotation").related_model.objects.visible_to(user)
        seen_linked = models.Exists(link_model.objects.filter(source=models.OuterRef("pk"), annotation__in=annotations))
        return self.filter(
            ~models.Q(project_id__in=hidden)
            | models.Q(introduced_by__isnull=True)
            | models.Q(introduced_by=user.pk)
            | seen_linked
        )

    def in_project(self, project):
        return self.filter(project=project)

    def matching(self, query: str):
        """Sources whose name or an alias resembles `query` (type-ahead), best first.

        Case, accents, punctuation and spaces do not count. A spelling equal to the query comes
        first, then spellings starting with it, containing it, and then the merely similar ones
        (trigrams tolerate a wrong or missing letter, "Lukashenka"). Swapped letters break most
        trigrams ("Moredcahi"), but a swap of a vowel and a consonant, or a different vowel from
        another transliteration, leaves the consonants as they were, so those are compared too.
        """
        query = query.strip()
        if not any(character.isalnum() for character in query):
            return self
        key = folded(models.Value(query))
        similar = models.Q(spellings__contains=key) | models.Q(spellings__trigram_word_similar=key)
        similarity = TrigramWordSimilarity(key, "spellings")
        if sum(character.isalnum() for character in query) >= TRANSPOSITION_MIN_LETTERS:
            similar |= models.Q(spelling_consonants__trigram_word_similar=consonants(key))
            similarity += TrigramWordSimilarity(consonants(key), "spelling_consonants")
        rank = models.Case(
            models.When(spellings__regex=spelling_pattern(key, whole=True), then=0),
            models.When(spellings__regex=spelling_pattern(key, whole=False), then=1),
            models.When(spellings__contains=key, then=2),
            default=3,
        )
        return (
            self.alias(spellings=SPELLINGS, spelling_consonants=consonants(SPELLINGS))
            .filter(similar)
            .alias(rank=rank, similarity=similarity)
            .order_by("rank", "-similarity", "name", "pk")
        )

    def named(self, name: str):
        """Sources called `name` or so aliased, compared folded: "Mil- Man", "Mil-Man" and "mil man" are one.

        No fuzziness here: look-alike names ("Lukashenka", "Lukashenko") may be different people.
        Sources made by hand, or before folding, may fold alike; the one spelled `name` comes first.
        """
        if not any(character.isalnum() for character in name):
            return self.none()
        whole = spelling_pattern(folded(models.Value(name)), whole=True)
        spelled_so = models.Case(models.When(name=tidy_name(name), then=0), default=1)
        return self.alias(spellings=SPELLINGS).filter(spellings__regex=whole).order_by(spelled_so, "pk")

    def called(self, name: str):
        """Sources whose name or an alias is `name`, or contains it when it is long enough to tell
        people apart ("Mil-Man" finds "Arkady Mil-Man"; "Man" only someone called so), compared
        folded: the lists' filter by source. No fuzziness, as in `named`."""
        if sum(character.isalnum() for character in name) < CALLED_MIN_LETTERS:
            return self.named(name)
        return self.alias(spellings=SPELLINGS).filter(spellings__contains=folded(models.Value(name)))


class SourceKind(models.TextChoices):
    PERSON = "person"
    ORGANISATION = "organisation"
    OUTLET = "outlet"
    REPORT = "report", "Report or document"
    STATEMENT = "statement", "Official statement"
    WEB_PAGE = "web_page", "Web page"
    ARTICLE = "article"


@tracked("SourceHistory", exclude=["search"])
class Source(models.Model):
    """Where an assertion comes from: a person, an organisation, an outlet, a document..."""

    Kind = SourceKind

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind)
    url = models.URLField(max_length=2000, blank=True, validators=[web_url])
    description = models.TextField(blank=True)
    aliases = ArrayField(
        models.CharField(max_length=300),
        blank=True,
        default=list,
        help_text="Other spellings, e.g. “Mil- Man” for “Mil-Man”.",
    )
    # Checked by a foreign key that includes the project (migration 0005) instead of a plain one.
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="affiliates",
        help_text="A person's organisation.",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who brought the source in by linking it to their annotation (see SourceQuerySet.open_to).
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # The name and aliases for full-text search (apps.search), kept by PostgreSQL itself.
    search = models.GeneratedField(
        expression=joined_vectors(search_vector("name"), search_vector(words("aliases"), "B")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "name"], name="source_unique_per_project"),
            models.CheckConstraint(condition=models.Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=~models.Q(name=""), name="source_name_not_empty"),
            web_url_only("source_url_web_only"),
        ]
        indexes = [
            GinIndex(OpClass(SPELLINGS, name="gin_trgm_ops"), name="source_spellings_trgm"),
            GinIndex(OpClass(consonants(SPELLINGS), name="gin_trgm_ops"), name="source_consonants_trgm"),
            GinIndex(fields=["search"], name="source_search"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The directory's page (apps.directory), named so that this app needs nothing of it.
        return reverse("directory:detail", args=[self.pk])

    def clean(self):
        """The same person or organisation once per project, however its name is spelled; its
        organisation of the same project."""
        super().clean()
        check_same_project(self, "affiliation")
        if not (self.project_id and self.name and self.kind):
            return
        same = Source.objects.in_project(self.project_id).named(self.name).filter(kind=self.kind).exclude(pk=self.pk)
        existing = same.first()
        if existing:
            raise ValidationError(
                {"name": f"This project has “{existing.name}” already; add this spelling to its aliases instead."}
            )

    def add_alias(self, alias: str) -> None:
        alias = " ".join(alias.split())
        if alias and alias != self.name and alias not in self.aliases:
            self.aliases.append(alias)
