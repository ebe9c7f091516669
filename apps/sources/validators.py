"""Addresses kept for articles and sources: web pages only.

A `javascript:` or `data:` address stored as a URL becomes a link someone clicks, so every
model that keeps an address validates it with `web_url` and backs it with `web_url_only`.
"""

from django.core.validators import URLValidator
from django.db import models

web_url = URLValidator(schemes=["http", "https"], message="Only http:// and https:// addresses can be kept.")


def web_url_only(name: str) -> models.CheckConstraint:
    """The database's own refusal of any other address, for the ways in that skip validation (COPY)."""
    return models.CheckConstraint(condition=models.Q(url="") | models.Q(url__iregex=r"^https?://[^\s]+$"), name=name)
