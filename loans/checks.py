"""Start-up checks: documents can be produced (WeasyPrint and its libraries, the templates, a
font with Cyrillic), so a missing piece stops `runserver`/`check` with one clear line instead of
a broken PDF later."""

import shutil
import subprocess

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

INSTALL_HINT = "install the system packages the documents need: run .ci/system-packages"


def font_with_cyrillic_installed(family: str) -> bool:
    """Whether fontconfig (which WeasyPrint's pango uses) has `family` covering Russian."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(  # noqa: S603 - a fixed program, the family as one argument
        [fc_list, f":family={family}:lang=ru", "family"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return found.returncode == 0 and bool(found.stdout.strip())


@checks.register()
def documents_can_be_rendered(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from loans.documents import rendering

    problems: list[checks.CheckMessage] = []
    try:
        import weasyprint  # noqa: F401 - loads pango and harfbuzz
    except (ImportError, OSError) as exc:
        problems.append(
            checks.Error(
                f"WeasyPrint cannot be loaded ({type(exc).__name__}: {exc})",
                hint=f"pip install -r requirements.txt and {INSTALL_HINT}",
                id="loans.E001",
            )
        )
    for template in rendering.all_templates():
        try:
            get_template(template.name)
        except TemplateDoesNotExist:
            problems.append(
                checks.Error(
                    f"Document template {template.name} (version {template.version}) is missing",
                    id="loans.E002",
                )
            )
    family = rendering.font_family()
    if not font_with_cyrillic_installed(family):
        problems.append(
            checks.Error(
                f"The documents' font '{family}' with Cyrillic is not installed",
                hint=f"{INSTALL_HINT}; or set DOCUMENT_FONT_FAMILY to an installed font",
                id="loans.E003",
            )
        )
    return problems
