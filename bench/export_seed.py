"""An export benchmark's project, seeded in SQL: importable by the tests without the benchmark's
settings (its own database, SSL redirect off), which would leak into the test process."""

from django.contrib.auth import get_user_model
from django.db import connection

from apps.articles.models import Article
from apps.projects.models import Membership, Project
from apps.sources.models import Source

ANNOTATIONS_PER_ARTICLE = 100
# Annotation i of an article starts at i * SPACING code points; texts are long enough for 100.
SPACING = 45
SENTENCE = "Der Minister sagte, dass das Abkommen über Zusammenarbeit „sehr wichtig“ sei; analysts warned. "


def seed(name: str, annotations: int) -> Project:
    """A project of `annotations` annotations, 100 an article, half of them linked to a source."""
    project = Project.objects.create(name=name)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANALYST)
    text = (SENTENCE * (ANNOTATIONS_PER_ARTICLE * SPACING // len(SENTENCE) + 2)).strip()
    articles = annotations // ANNOTATIONS_PER_ARTICLE
    Article.objects.bulk_create(
        (
            Article(
                project=project,
                title=f"Bericht {n}",
                text=f"{text}\nNummer {n}.",
                language="de",
                url=f"https://news.example/{n}",
                original=b"",
            )
            for n in range(articles)
        ),
        batch_size=500,
    )
    Source.objects.bulk_create(
        Source(project=project, name=f"Source {n}", kind=Source.Kind.PERSON if n % 2 else Source.Kind.ORGANISATION)
        for n in range(20)
    )
    with connection.cursor() as cursor:
        # The rows are built valid (each exact is the text at its offsets); the triggers that
        # check that and keep the history would only slow the seeding down.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO annotations_annotation
                (article_id, kind, start, "end", exact, prefix, suffix, note, status, tags,
                 created_by_id, created_at, updated_at, version)
            SELECT a.id, (ARRAY['claim', 'quote', 'fact'])[1 + i %% 3], s.start, s.start + s.length,
                   substring(a.text FROM s.start + 1 FOR s.length),
                   substring(a.text FROM greatest(0, s.start - 32) + 1 FOR s.start - greatest(0, s.start - 32)),
                   substring(a.text FROM s.start + s.length + 1 FOR 32),
                   CASE WHEN i %% 4 = 0 THEN '=Note ' || i ELSE '' END, 'draft',
                   CASE WHEN i %% 5 = 0 THEN ARRAY['tag', 'other'] ELSE '{}'::varchar[] END,
                   %s, now(), now(), 1
            FROM articles_article a
            CROSS JOIN generate_series(0, %s - 1) AS i
            CROSS JOIN LATERAL (SELECT i * %s AS start, 20 + i %% 20 AS length) AS s
            WHERE a.project_id = %s
            """,
            [user.pk, ANNOTATIONS_PER_ARTICLE, SPACING, project.pk],
        )
        cursor.execute(
            """
            INSERT INTO annotations_link (annotation_id, source_id, role, note, created_by_id, created_at)
            SELECT an.id, (SELECT array_agg(id ORDER BY id) FROM sources_source WHERE project_id = %s)[1 + an.id %% 20],
                   (ARRAY['said_by', 'claimant', 'cited', 'evidence'])[1 + an.id %% 4], '', %s, now()
            FROM annotations_annotation an JOIN articles_article a ON a.id = an.article_id
            WHERE a.project_id = %s AND an.id %% 2 = 0
            """,
            [project.pk, user.pk, project.pk],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE articles_article; ANALYZE annotations_annotation; ANALYZE annotations_link")
    return project
