from django.db import migrations


def load_taxonomy(apps, schema_editor):
    from services.taxonomy import category_tree_sync

    category_tree_sync(apps.get_model("services", "Category"))


class Migration(migrations.Migration):
    """Installs the platform-wide service taxonomy from services/data/categories.csv.

    The loader is idempotent: a later change to the file ships as a new migration that runs it again.
    """

    dependencies = [
        ("services", "0003_catalog_review_revisions"),
    ]

    operations = [
        migrations.RunPython(load_taxonomy, migrations.RunPython.noop),
    ]
