"""The ledger is append-only in the database itself, not only in the code.

A BEFORE UPDATE OR DELETE row trigger raises, so no code path (the ORM, the admin, a cascade,
a hand-written SQL statement) can rewrite money history; corrections are new rows. TRUNCATE is
not a row event and is left alone: the test suite's flush uses it, and it needs the owner's
rights that application code does not use.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION programmes_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'programmes_ledgerentry is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER programmes_ledger_append_only
    BEFORE UPDATE OR DELETE ON programmes_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION programmes_ledger_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS programmes_ledger_append_only ON programmes_ledgerentry;
DROP FUNCTION IF EXISTS programmes_ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
