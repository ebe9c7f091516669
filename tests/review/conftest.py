import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def no_kept_figures():
    """Each test works its figures out afresh, even one that changes rows without adding any."""
    cache.clear()
    yield
    cache.clear()
