import pytest

from apps.annotations.models import Annotation
from apps.annotations.services import create_annotation
from apps.articles.models import Article, Story
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from apps.stories.services import gather_story
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory


def sample_story(project):
    """The two sample articles, English and German, as one story of `project`."""
    story = Story.objects.create(project=project, title="Belarus and Pakistan")
    english = ArticleFactory(project=project, story=story, language="en", text=ENGLISH_SEED.read_text().strip())
    german = ArticleFactory(project=project, story=story, language="de", text=GERMAN_SEED.read_text().strip())
    return english, german


@pytest.fixture
def story_pair(project):
    return sample_story(project)


def mark(article, user, kind, words) -> Annotation:
    start = article.text.index(words)
    return create_annotation(article=article, user=user, kind=kind, start=start, end=start + len(words), exact=words)


@pytest.fixture
def samples(project, analyst):
    """The English and German sample articles, imported as the import does."""
    items = [item for path in (ENGLISH_SEED, GERMAN_SEED) for item in read_upload(path.name, path.read_bytes())]
    import_items(project=project, items=items, user=analyst)
    return {
        "en": Article.objects.get(project=project, language="en"),
        "de": Article.objects.get(project=project, language="de"),
    }


@pytest.fixture
def gathered_story(samples, analyst):
    return gather_story(articles=[samples["en"], samples["de"]], user=analyst)
