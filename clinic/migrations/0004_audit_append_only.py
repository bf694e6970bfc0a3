from django.db import migrations

# The audit trail is append-only in the database itself: an UPDATE or DELETE of a row is
# refused whatever the code path. (TRUNCATE, an owner's tool, is not caught; the hash chain
# still shows a gap to `manage.py audit_verify`.)
FORWARD = """
CREATE FUNCTION clinic_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON clinic_auditevent
    FOR EACH ROW EXECUTE FUNCTION clinic_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_append_only ON clinic_auditevent;
DROP FUNCTION IF EXISTS clinic_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_audit")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
