from django.db import models


class Role(models.TextChoices):
    """What a member may do in a project (apps/projects/permissions.py says what each allows)."""

    ANALYST = "analyst"
    REVIEWER = "reviewer"
    MANAGER = "manager"


REVIEWING_ROLES = frozenset({Role.REVIEWER, Role.MANAGER})
