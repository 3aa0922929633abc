from django.db import migrations


class Migration(migrations.Migration):
    """Keep each policy's search vector in the row (STORAGE MAIN) rather than in the TOAST table.

    A vector of a few kilobytes would otherwise be stored out of line, and every `@@` test
    outside the GIN index (a scan that stops after a page, the count window, filters combined
    with the text) would fetch it through the TOAST index: measured at about ten times the
    cost of testing an in-row vector. The large texts (full_text) still move out of line
    first, so rows stay well within a page.
    """

    dependencies = [("policies", "0003_library_filter_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE policies_policy ALTER COLUMN search_vector SET STORAGE MAIN",
            "ALTER TABLE policies_policy ALTER COLUMN search_vector SET STORAGE EXTENDED",
        )
    ]
