"""Underwriting's permissions for the roles: reviewers see tasks; the team's metrics go to risk
managers and administrators (a team lead is an underwriter given `view_team_metrics`)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "underwriter": ("view_reviewtask",),
    "risk_manager": ("view_reviewtask", "view_team_metrics", "view_numberingrange"),
    "administrator": (
        "view_reviewtask",
        "view_team_metrics",
        "view_numberingrange",
        "add_numberingrange",
        "change_numberingrange",
        "delete_numberingrange",
    ),
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("underwriting")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="underwriting", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [("underwriting", "0001_initial"), ("loans", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
