"""The migration that fingerprints stored texts again, since names after quotes became signals."""

import importlib

from django.apps import apps

from apps.articles.models import Article, ArticleHistory
from apps.articles.services import store_articles
from apps.articles.similarity import fingerprint

migration = importlib.import_module("apps.articles.migrations.0014_names_after_quotes_in_fingerprints")


def test_stored_fingerprints_gain_the_names_after_quotes_and_nothing_else_changes(project):
    quoted = Article(project=project, title="Ferry", text="Die Fähre “Möwe” lief am 3. Mai aus, sagte Kapitän Öztürk.")
    plain = Article(project=project, title="Plain", text="The Harbour Office of Kiel said on 3 May the ferry left.")
    store_articles(articles=[quoted, plain])
    stale = [signal for signal in fingerprint(quoted.text) if signal != "@möwe"]  # as stored before
    Article.objects.filter(pk=quoted.pk).update(fingerprint=stale)
    history = ArticleHistory.objects.count()

    migration.fingerprint_again(apps, None)

    signals = dict(Article.objects.values_list("title", "fingerprint"))
    assert "@möwe" in signals["Ferry"] and signals["Ferry"] == fingerprint(quoted.text)
    assert signals["Plain"] == fingerprint(plain.text)
    assert ArticleHistory.objects.count() == history
