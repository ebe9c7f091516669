from itertools import batched

from django.core.management.base import BaseCommand

from apps.articles.matching import match_stories
from apps.articles.models import Article


class Command(BaseCommand):
    help = "Find the story matches of every article (or of one project's), e.g. for articles stored before matching."

    def add_arguments(self, parser):
        parser.add_argument("--project", type=int, help="Only this project's articles (its id).")

    def handle(self, project=None, **options):
        articles = Article.objects.order_by("pk")
        if project:
            articles = articles.filter(project_id=project)
        matched = 0
        for ids in batched(articles.values_list("pk", flat=True).iterator(), 500, strict=False):
            matched += match_stories(article_ids=list(ids))
        self.stdout.write(f"{matched} article(s) probably tell the same story as another.")
