from django.apps import AppConfig


class KernelConfig(AppConfig):
    """What every app shares and no domain owns: roles, masking, page and admin helpers,
    the SQL dialect helpers, the per-request memo and the base of every refusal."""

    name = "kernel"
    verbose_name = "Kernel"
