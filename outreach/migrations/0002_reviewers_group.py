"""The Reviewers group: exactly what a person approving drafts needs."""

from django.db import migrations

REVIEWER_PERMISSIONS = [
    ("outreach", "outreachemail", "view_outreachemail"),
    ("outreach", "outreachemail", "change_outreachemail"),
    ("outreach", "outreachemail", "approve_outreachemail"),
    ("outreach", "campaign", "view_campaign"),
    ("prospects", "prospect", "view_prospect"),
]


def create_reviewers(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make them now so the group can hold them.
    for label in ("outreach", "prospects"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Reviewers")
    for app_label, model, codename in REVIEWER_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, content_type__model=model, codename=codename)
        )


def remove_reviewers(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("prospects", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_reviewers, remove_reviewers)]
