"""Roles are Django groups (DESIGN.md, operator UI) with the loan core's model permissions.

Later apps add their own permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_FOR_STAFF = (
    "borrower",
    "loan",
    "scheduleitem",
    "incomingpayment",
    "payoutorder",
    "product",
    "region",
    "transitionlog",
)
RISK_EDITS = ("regulationlimit", "marketaveragepsk", "product")

ROLES = ("underwriter", "collector", "risk_manager", "administrator")


def _ensure_permissions(apps) -> None:
    """Permissions are normally made after all migrations (post_migrate); make them now."""
    for app_config in apps.get_app_configs():
        if app_config.label not in ("loans", "auth", "contenttypes"):
            continue
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    loans = permission_model.objects.filter(content_type__app_label="loans")

    def codenames(*names):
        return list(loans.filter(codename__in=names))

    staff_view = codenames(*(f"view_{model}" for model in VIEW_FOR_STAFF))
    grants = {
        "underwriter": staff_view,
        "collector": staff_view,
        "risk_manager": [
            *loans.filter(codename__startswith="view_"),
            *codenames(*(f"{verb}_{m}" for m in RISK_EDITS for verb in ("add", "change"))),
        ],
        "administrator": list(loans),
    }
    for name in ROLES:
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(*grants[name])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0002_seed_regulation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
