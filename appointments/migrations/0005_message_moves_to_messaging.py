from django.db import migrations


class Migration(migrations.Migration):
    """The outbox models move to the messaging app. Only Django's model state changes here:
    the tables stay, with every row (messaging.Message keeps db_table
    "appointments_message"), and messaging/migrations/0001_initial.py takes them over."""

    dependencies = [
        ("appointments", "0004_messages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="messagelinkuse", name="message"),
                migrations.DeleteModel(name="Message"),
                migrations.DeleteModel(name="MessageLinkUse"),
            ],
            database_operations=[],
        ),
    ]
