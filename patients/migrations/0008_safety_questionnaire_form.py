"""The safety questionnaire becomes a form the manager edits: version 1 asks, as before,
one required yes/no question per contraindication of the catalog, each mapped to it."""

from django.db import migrations
from django.utils import timezone

SAFETY_FORM = "safety-questionnaire"


def create_safety_form(apps, schema_editor):
    Form = apps.get_model("patients", "Form")
    FormVersion = apps.get_model("patients", "FormVersion")
    Question = apps.get_model("patients", "Question")
    Contraindication = apps.get_model("treatments", "Contraindication")
    form, _ = Form.objects.get_or_create(
        slug=SAFETY_FORM, defaults={"title": "Safety questionnaire"}
    )
    if form.versions.exists():
        return
    version = FormVersion.objects.create(form=form, number=1, published_at=timezone.now())
    Question.objects.bulk_create(
        Question(
            version=version,
            position=i,
            key=c.slug,
            text=c.screening_question,
            kind="yes_no",
            required=True,
            contraindication=c,
        )
        for i, c in enumerate(Contraindication.objects.order_by("position", "id"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_versioned_forms"),
        ("treatments", "0002_seed_catalog"),
    ]

    operations = [migrations.RunPython(create_safety_form, migrations.RunPython.noop)]
