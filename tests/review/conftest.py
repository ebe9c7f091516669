import pytest

from apps.review.figures import forget_sums


@pytest.fixture(autouse=True)
def no_kept_sums():
    """Each test sums its figures afresh: the web worker's sums of an earlier test's rows are
    forgotten (the shares kept in the database go with each test's rows)."""
    forget_sums()
    yield
    forget_sums()
