from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _casefold_for_sqlite(sender, connection, **kwargs) -> None:
    """SQLite's LOWER and LIKE fold ASCII only: a name search for «иванова» must find
    «Иванова», so SQLite gets Python's casefold as a function (PostgreSQL folds Cyrillic)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "desk_casefold", 1, lambda text: text.casefold() if text else text, deterministic=True
        )


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = "Staff desk"

    def ready(self) -> None:
        connection_created.connect(_casefold_for_sqlite, dispatch_uid="desk_casefold")
