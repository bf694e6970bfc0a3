import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MODELS = ["message", "messagelinkuse"]


def _move_content_types(apps, from_label: str, to_label: str) -> None:
    """Relabel the content types (their ids, and so permissions, stay). Where the target
    exists already (a database that ran post_migrate in between), the old one is left."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = ContentType.objects.filter(app_label=to_label, model__in=MODELS)
    ContentType.objects.filter(app_label=from_label, model__in=MODELS).exclude(
        model__in=taken.values("model")
    ).update(app_label=to_label)


def content_types_to_messaging(apps, schema_editor):
    _move_content_types(apps, "appointments", "messaging")


def content_types_to_appointments(apps, schema_editor):
    _move_content_types(apps, "messaging", "appointments")


class Migration(migrations.Migration):
    """The outbox's models, taken over from appointments (0005 there) without touching
    the database: the tables keep their names (db_table) and every row. The content types
    follow, so permissions and admin history keep pointing at the same models."""

    initial = True

    dependencies = [
        ('appointments', '0005_message_moves_to_messaging'),
        ('patients', '0003_erasure_record'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('confirmation', 'Booking confirmation'), ('reminder', 'Reminder'), ('home_care', 'Home-care advice'), ('course_nudge', 'Course: next session'), ('cancellation', 'Cancellation notice'), ('waitlist_offer', 'Waitlist offer')], max_length=20)),
                        ('offset_minutes', models.PositiveIntegerField(default=0)),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS')], max_length=8)),
                        ('key', models.CharField(blank=True, max_length=120)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('void', 'Void'), ('skipped', 'Skipped')], default='pending', max_length=10)),
                        ('due_at', models.DateTimeField(help_text='When it is planned to go (quiet hours applied).')),
                        ('next_attempt_at', models.DateTimeField(help_text='When the worker may try next.')),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('dispatched_at', models.DateTimeField(blank=True, null=True)),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('context', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='appointments.appointment')),
                        ('patient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='patients.patient')),
                    ],
                    options={
                        'db_table': 'appointments_message',
                        'ordering': ['-due_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='MessageLinkUse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('confirm', 'Confirm'), ('cancel', 'Cancel')], max_length=10)),
                        ('used_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('ip', models.GenericIPAddressField(blank=True, null=True)),
                        ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='link_uses', to='messaging.message')),
                    ],
                    options={
                        'db_table': 'appointments_messagelinkuse',
                        'ordering': ['used_at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='message_pending_due_idx'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='message_sending_idx'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['patient', '-due_at'], name='message_patient_idx'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['status', '-due_at'], name='message_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.UniqueConstraint(condition=models.Q(('appointment__isnull', False)), fields=('appointment', 'kind', 'offset_minutes', 'channel'), name='message_once_per_appointment_kind'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('key', 'kind', 'channel'), name='message_once_per_key'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.CheckConstraint(condition=models.Q(('appointment__isnull', False), models.Q(('key', ''), _negated=True), _connector='OR'), name='message_has_identity'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'reminder'), ('offset_minutes__gt', 0)), ('offset_minutes', 0), _connector='OR'), name='message_offset_only_for_reminders'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='message_sent_has_time'),
                ),
                migrations.AddConstraint(
                    model_name='messagelinkuse',
                    constraint=models.UniqueConstraint(fields=('message', 'action'), name='message_link_used_once'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_messaging, content_types_to_appointments),
    ]
