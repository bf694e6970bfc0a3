from datetime import time

from django.db import migrations


def create(apps, schema_editor):
    ClinicPolicy = apps.get_model("appointments", "ClinicPolicy")
    OpeningHours = apps.get_model("appointments", "OpeningHours")
    ClinicPolicy.objects.get_or_create(id=1, defaults={"reminder_offsets_minutes": [1440, 120]})
    if not OpeningHours.objects.exists():  # Monday to Saturday, 08:00 to 20:00
        OpeningHours.objects.bulk_create(
            OpeningHours(weekday=day, start=time(8), end=time(20)) for day in range(6)
        )


class Migration(migrations.Migration):
    """The clinic policy row with the SPEC's defaults, and default opening hours."""

    dependencies = [("appointments", "0001_scheduling")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
