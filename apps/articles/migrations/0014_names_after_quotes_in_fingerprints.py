"""Fingerprint again the texts that write a name right after an opening quote or a dash outside
ASCII („…“, “…”, «…», —, 「…」): such a name was no signal (see similarity.as_name).

Only the fingerprints that change are written; the history records no change of them. Story
matches found before stay; the texts imported from now on are compared with these fingerprints.
"""

from django.db import migrations

BATCH = 2000


def fingerprint_again(apps, schema_editor):
    from apps.articles.similarity import fingerprint

    Article = apps.get_model("articles", "Article")
    changed = []
    rows = Article.objects.order_by().values_list("pk", "text", "fingerprint").iterator(chunk_size=BATCH)
    for pk, text, signals in rows:
        signals_now = fingerprint(text)
        if signals_now != signals:
            changed.append(Article(pk=pk, fingerprint=signals_now))
        if len(changed) == BATCH:
            Article.objects.bulk_update(changed, ["fingerprint"])
            changed = []
    Article.objects.bulk_update(changed, ["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_project_index_in_composites")]

    operations = [migrations.RunPython(fingerprint_again, migrations.RunPython.noop)]
