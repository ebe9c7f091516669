"""The admin's list of accounts as a manager meets it: user names found by typing part of one,
and nothing else to filter, search or sort by, so that no query tells anything but names."""

import pytest

from apps.projects.models import Membership
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

USERS = "/admin/auth/user/"


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager")
    MembershipFactory(project=ProjectFactory(), user=user, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def accounts(db):
    """Two accounts whose names the manager may find, one of them a superuser with a known e-mail."""
    return {
        "root": UserFactory(username="alice-root", is_superuser=True, is_staff=True, email="alice@secret.example"),
        "plain": UserFactory(username="alice-plain", email="zed@other.example"),
    }


def names(response) -> set[str]:
    return {user.username for user in response.context["cl"].result_list}


# Each pair asks the same question both ways; if the answers differ, the list is an oracle.
ORACLES = [
    ("superuser status", {"is_superuser__exact": "1"}, {"is_superuser__exact": "0"}),
    ("superuser status, bare", {"is_superuser": "1"}, {"is_superuser": "0"}),
    ("staff status", {"is_staff__exact": "1"}, {"is_staff__exact": "0"}),
    ("e-mail prefix", {"email__startswith": "alice@"}, {"email__startswith": "zed@"}),
    ("e-mail contains", {"email__icontains": "secret"}, {"email__icontains": "other"}),
    ("password hash", {"password__startswith": "md5$"}, {"password__startswith": "argon2"}),
    ("last login", {"last_login__isnull": "True"}, {"last_login__isnull": "False"}),
    ("joined", {"date_joined__gte": "2000-01-01"}, {"date_joined__lt": "2000-01-01"}),
    ("groups", {"groups__isnull": "True"}, {"groups__isnull": "False"}),
    ("memberships", {"memberships__role": "manager"}, {"memberships__role": "analyst"}),
]


@pytest.mark.parametrize("name, one, other", ORACLES, ids=[oracle[0] for oracle in ORACLES])
def test_a_manager_cannot_filter_users_on_any_field_but_their_name(client, manager, accounts, name, one, other):
    client.force_login(manager)
    for lookup in (one, other):
        response = client.get(USERS, {"q": "alice", **lookup})
        # Refused outright: Django's admin answers a lookup it does not allow with 400.
        assert response.status_code == 400, (name, lookup, names(response) if response.context else None)


def test_a_manager_cannot_sort_users_by_anything_but_their_name(client, manager, accounts):
    client.force_login(manager)
    orders = []
    for order in ("0", "-0", "1", "2", "3", "4", "-4"):
        response = client.get(USERS, {"q": "alice", "o": order})
        assert response.status_code == 200
        assert names(response) == {"alice-root", "alice-plain"}
        orders.append([user.username for user in response.context["cl"].result_list])
    # By name, one way or the other: never by a column the manager does not see.
    assert {tuple(order) for order in orders} <= {("alice-plain", "alice-root"), ("alice-root", "alice-plain")}


def test_a_manager_searches_user_names_only(client, manager, accounts):
    client.force_login(manager)
    assert names(client.get(USERS, {"q": "alice"})) == {"alice-root", "alice-plain"}
    # The e-mail, first and last name are not searched: "secret" is only in the superuser's e-mail.
    assert names(client.get(USERS, {"q": "secret"})) == set()
    assert names(client.get(USERS, {"q": "zed@"})) == set()


def test_a_superuser_still_filters_and_searches_every_field(client, accounts):
    client.force_login(accounts["root"])
    assert names(client.get(USERS, {"is_superuser__exact": "1"})) == {"alice-root"}
    assert names(client.get(USERS, {"email__startswith": "zed@"})) == {"alice-plain"}
    assert names(client.get(USERS, {"q": "secret"})) == {"alice-root"}
