import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from apps.annotations.models import Annotation, Link
from apps.articles.models import Article
from apps.articles.similarity import fingerprint
from apps.claims.models import Appearance, Claim
from apps.claims.proposals import claim_keys
from apps.projects.models import Membership, Project
from apps.sources.models import Source


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Investigation {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ANALYST


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Source {n}")
    kind = Source.Kind.PERSON


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    text = factory.Faker("paragraph", nb_sentences=8)
    language = "en"
    fingerprint = factory.LazyAttribute(lambda article: fingerprint(article.text))
    original = factory.LazyAttribute(lambda article: article.text.encode())


class AnnotationFactory(DjangoModelFactory):
    """An annotation over the first words of its article (or `start`/`end` when given)."""

    class Meta:
        model = Annotation

    article = factory.SubFactory(ArticleFactory)
    kind = Annotation.Kind.CLAIM
    start = 0
    end = factory.LazyAttribute(lambda a: min(len(a.article.text), a.start + 12))
    exact = factory.LazyAttribute(lambda a: a.article.text[a.start : a.end])
    prefix = factory.LazyAttribute(lambda a: a.article.text[max(0, a.start - 32) : a.start])
    suffix = factory.LazyAttribute(lambda a: a.article.text[a.end : a.end + 32])
    created_by = factory.SubFactory(UserFactory)


class LinkFactory(DjangoModelFactory):
    class Meta:
        model = Link

    annotation = factory.SubFactory(AnnotationFactory)
    source = factory.SubFactory(SourceFactory, project=factory.SelfAttribute("..annotation.article.project"))
    role = Link.Role.CITED


class ClaimFactory(DjangoModelFactory):
    class Meta:
        model = Claim

    project = factory.SubFactory(ProjectFactory)
    wording = factory.Sequence(lambda n: f"Claim number {n} is asserted")
    language = "en"
    created_by = factory.SubFactory(UserFactory)
    keys = factory.LazyAttribute(lambda claim: claim_keys(claim, []))


class AppearanceFactory(DjangoModelFactory):
    class Meta:
        model = Appearance

    claim = factory.SubFactory(ClaimFactory)
    annotation = factory.SubFactory(AnnotationFactory, article__project=factory.SelfAttribute("...claim.project"))
    created_by = factory.SelfAttribute("annotation.created_by")
