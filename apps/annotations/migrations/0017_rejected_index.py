"""The header's count of a user's rejected annotations reads those rows alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0016_exact_checked_once_per_statement'),
        ('articles', '0022_name_keys'),
        ('sources', '0008_capitalised_kind_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='annotation',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('status', 'rejected')), fields=['created_by'], name='annotation_rejected'),
        ),
    ]
