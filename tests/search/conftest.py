import pytest

from apps.articles.indexing import index_articles
from apps.articles.models import Article
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory

ENGLISH_TITLE = "Tel Aviv: The military cooperation agreement signed recently by Belarus and Pakistan"
GERMAN_TITLE = "Militärisches Kooperationsabkommen zwischen Belarus und Pakistan"


def indexed(*articles: Article) -> None:
    """What the background worker does once an import commits (factories store no search columns)."""
    index_articles([article.pk for article in articles])


@pytest.fixture
def samples(project):
    """The English and the German sample articles of the demo, indexed."""
    english = ArticleFactory(project=project, title=ENGLISH_TITLE, text=ENGLISH_SEED.read_text(), language="en")
    german = ArticleFactory(project=project, title=GERMAN_TITLE, text=GERMAN_SEED.read_text(), language="de")
    indexed(english, german)
    return english, german
