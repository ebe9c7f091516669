import pytest

from apps.projects.models import Membership
from tests.conftest import member


@pytest.fixture
def manager(project):
    return member(project, Membership.Role.MANAGER, "manager1")
