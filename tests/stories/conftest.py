import pytest

from apps.articles.models import Story
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
