from itertools import batched

from django.core.management.base import BaseCommand

from apps.articles.indexing import index_articles
from apps.articles.models import Article


class Command(BaseCommand):
    help = (
        "Fill the search columns of the articles that lack them (stored before search, or whose job failed); "
        "--all refreshes every article's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", type=int, help="Only this project's articles (its id).")
        parser.add_argument("--all", action="store_true", help="Every article, also those already indexed.")

    def handle(self, project=None, all=False, **options):
        self.stdout.write(f"{fill_search_columns(project=project, every=all)} article(s) indexed for search.")


def fill_search_columns(*, project: int | None = None, every: bool = False, batch: int = 250) -> int:
    articles = Article.objects.order_by("pk")
    if project:
        articles = articles.filter(project_id=project)
    if not every:
        articles = articles.filter(search__isnull=True)
    ids = list(articles.values_list("pk", flat=True))
    return sum(index_articles(list(job)) for job in batched(ids, batch, strict=False))
