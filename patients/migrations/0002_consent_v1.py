from django.db import migrations

CONSENT_V1 = """I agree to receive microcurrent therapy or microcurrent massage at the clinic.

The dermatologist has explained how the procedure works (a weak pulsed current applied
through a conductive gel), what result I can expect and that it builds up over a course of
sessions, and that there is no recovery period.

I confirm that I answered the safety questionnaire truthfully and that I will tell the
clinic before any session if anything changes: a pacemaker or other implant, epilepsy,
cancer, pregnancy or breastfeeding, heart problems, gold threads, damaged or inflamed skin,
or atopic dermatitis in the area to be treated.

I know that I may stop the course at any time."""


def create(apps, schema_editor):
    ConsentText = apps.get_model("patients", "ConsentText")
    ConsentText.objects.get_or_create(version=1, defaults={"body": CONSENT_V1})


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_patients_and_clinical_record")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
