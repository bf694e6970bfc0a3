"""The audit chain becomes keyed: each existing row's hash, a plain SHA-256 of the previous
hash and the row until now, is recomputed as an HMAC-SHA256 under AUDIT_HMAC_KEY, the way
clinic.audit writes and verifies every row from now on.

Honest about the past: the plain chain is verified first, and the migration stops, naming
the row, if it is broken; sealing a tampered trail under the key would launder it. What the
plain chain could not show (an edit whose chain was recomputed before today) this cannot
show either; from here on such an edit needs the key. The verifier accepts HMAC rows only,
so a chain forged with plain SHA-256 never verifies.

It rewrites rows, so it runs as the table's owner: the app's role, before
`manage.py audit_lock` first hands the table to the audit owner role (the release that
brings this migration brings the lock). The append-only trigger is off for the rewrite
only, inside this migration's transaction. Reversible: back to the plain chain, after
verifying the keyed one.

The digests are frozen here, apart from clinic.audit, as a migration must be.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64
BATCH = 2000


def _canonical(event) -> bytes:
    fields = {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": event.patient_id,
        "ip": event.ip,
        "path": event.path,
        "detail": event.detail,
    }
    return json.dumps(fields, sort_keys=True, default=str, separators=(",", ":")).encode()


def plain(prev_hash: str, event) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def keyed(prev_hash: str, event) -> str:
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + _canonical(event), hashlib.sha256).hexdigest()


def rechain(apps, schema_editor, old, new, old_name: str) -> None:
    """Verify every row under `old`, then store the chain computed with `new`."""
    AuditEvent = apps.get_model("clinic", "AuditEvent")
    table = schema_editor.quote_name(AuditEvent._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
    old_prev = new_prev = GENESIS
    batch = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=BATCH):
        if event.prev_hash != old_prev or event.hash != old(old_prev, event):
            raise RuntimeError(
                f"The audit chain ({old_name}) is broken at row {event.id}: not re-keying a "
                "trail that was tampered with. Investigate (manage.py audit_verify of the "
                "previous release) before migrating; README.md, Audit trail."
            )
        old_prev = event.hash
        event.prev_hash, event.hash = new_prev, new(new_prev, event)
        new_prev = event.hash
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")


def forward(apps, schema_editor) -> None:
    rechain(apps, schema_editor, plain, keyed, "plain SHA-256")


def backward(apps, schema_editor) -> None:
    rechain(apps, schema_editor, keyed, plain, "HMAC-SHA256")


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_user_sessions")]
    operations = [migrations.RunPython(forward, backward)]
