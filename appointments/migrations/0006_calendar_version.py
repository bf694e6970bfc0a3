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
CREATE FUNCTION appointments_calendar_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A random 62-bit number, compared only for equality: a rollback, a restored backup
    -- or this migration reversed and applied again can never bring back a value that a
    -- running process has tagged its snapshot with (a counter could).
    -- An upsert: a flushed (truncated) version table gets its row back.
    INSERT INTO appointments_calendarversion (id, version)
    VALUES (1, ('x' || substr(md5(gen_random_uuid()::text), 1, 15))::bit(60)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
INSERT INTO appointments_calendarversion (id, version)
VALUES (1, ('x' || substr(md5(gen_random_uuid()::text), 1, 15))::bit(60)::bigint);
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
            "DROP FUNCTION appointments_calendar_changed();",
        ),
        migrations.RunSQL(triggers(), drop_triggers()),
    ]
