"""The calendar configuration's version, moved by triggers on every configuration table
(see appointments.models.CalendarVersion)."""

from django.db import migrations, models

# The tables of the calendar configuration (appointments.calendar._load reads them all).
TABLES = [
    "treatments_treatment",
    "appointments_practitioner",
    "appointments_practitioner_treatments",
    "appointments_workinghours",
    "appointments_workingexception",
    "appointments_openinghours",
    "appointments_closure",
    "appointments_room",
    "appointments_device",
    "appointments_deviceoutage",
    "appointments_clinicpolicy",
]

FUNCTION = """
CREATE SEQUENCE appointments_calendar_version_seq;
CREATE FUNCTION appointments_calendar_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A new number from a sequence, which no rollback or truncation takes back: every
    -- change, even one later rolled back to a savepoint, gets a version never seen before.
    -- An upsert: a flushed (truncated) version table gets its row back.
    INSERT INTO appointments_calendarversion (id, version)
    VALUES (1, nextval('appointments_calendar_version_seq'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
INSERT INTO appointments_calendarversion (id, version)
VALUES (1, nextval('appointments_calendar_version_seq'));
"""


def triggers() -> str:
    return "\n".join(
        f"CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION appointments_calendar_changed();"
        for t in TABLES
    )


def drop_triggers() -> str:
    return "\n".join(f"DROP TRIGGER calendar_changed ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0005_message_moves_to_messaging"),
        ("treatments", "0002_seed_catalog"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="calendar_version_single_row"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            FUNCTION,
            "DELETE FROM appointments_calendarversion; "
            "DROP FUNCTION appointments_calendar_changed(); "
            "DROP SEQUENCE appointments_calendar_version_seq;",
        ),
        migrations.RunSQL(triggers(), drop_triggers()),
    ]
