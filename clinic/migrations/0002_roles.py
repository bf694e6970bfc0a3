from django.db import migrations

ROLES = ["patient", "reception", "dermatologist", "manager"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    """The four role groups (SPEC S1). Their model permissions (for the admin) are kept in
    step after every migrate by clinic.apps (permissions exist only after post_migrate)."""

    dependencies = [("clinic", "0001_btree_gist"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
