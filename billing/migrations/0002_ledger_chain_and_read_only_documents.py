"""What the database itself holds for money (billing/models.py docstring):

- the ledger is a chain: a row's `before` totals are the `after` totals of the patient's
  previous row (a composite foreign key onto ledger_chain_target), so a row that does not
  continue the chain exactly cannot be inserted;
- ledger rows, issued invoices and their lines, refunds and redemptions' history are
  never updated or deleted (triggers); a correction is a new row (a credit note, a refund).
"""

from django.db import migrations

TABLES = {
    "billing_ledgerentry": "ledger rows are append-only",
    "billing_invoice": "an issued invoice is read-only: issue a credit note",
    "billing_invoiceline": "an issued invoice is read-only: issue a credit note",
    "billing_refund": "refunds are append-only",
}

FORWARD = [
    """
    ALTER TABLE billing_ledgerentry
      ADD CONSTRAINT ledger_continues_previous_row
      FOREIGN KEY (patient_id, prev_seq, owed_before, credit_before)
      REFERENCES billing_ledgerentry (patient_id, seq, owed_after, credit_after)
      MATCH SIMPLE
    """,
    """
    CREATE FUNCTION billing_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
]
for table, why in TABLES.items():
    FORWARD.append(
        f"CREATE TRIGGER {table}_read_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION billing_refuse_change('{why}')"
    )
    # TRUNCATE too, but not from the test runner's flush between tests: only row triggers
    # matter to the app, which never truncates.

BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_read_only ON {table}" for table in TABLES]
BACKWARD += [
    "DROP FUNCTION IF EXISTS billing_refuse_change()",
    "ALTER TABLE billing_ledgerentry DROP CONSTRAINT IF EXISTS ledger_continues_previous_row",
]


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_invoices_payments_ledger_packages")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
