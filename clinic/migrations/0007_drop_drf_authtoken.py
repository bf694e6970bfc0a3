"""DRF's `authtoken` app is gone (API tokens are django-rest-knox's, clinic.tokens): drop
its table where an older version made it. Its rows would otherwise keep every user who ever
had such a token from being deleted (a foreign key no model knows about any more), and
the tokens in it no longer authenticate anyone."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinic", "0006_audit_keyed_chain")]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token",
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
