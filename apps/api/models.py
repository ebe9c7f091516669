import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# What a token starts with, so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "st_"
# Shown on the tokens page to tell tokens apart; far too short to guess the rest from.
VISIBLE_CHARS = 8


def token_digest(secret: str) -> str:
    """The stored form of a token. A plain hash suffices: the secret is random, not a password."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal token for the JSON API, acting as its user with that user's roles.

    Only the digest is kept: the secret is shown once, when the token is created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “nightly export script”.")
    visible_prefix = models.CharField(max_length=20)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.visible_prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token for `user`; return it with its secret, which is never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            visible_prefix=secret[: len(TOKEN_PREFIX) + VISIBLE_CHARS],
            digest=token_digest(secret),
        )
        return token, secret

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
