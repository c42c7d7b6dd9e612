"""The Russian interface is complete, and the compiled catalogue is the one in the .po file."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def catalogue() -> list[tuple[str, str, str]]:
    """(msgctxt, msgid, msgstr) of every singular entry, read line by line."""
    entries, field, current = [], None, {}
    for line in [*PO.read_text(encoding="utf-8").splitlines(), ""]:
        keyword = line.split(" ", 1)[0]
        if keyword in ("msgctxt", "msgid", "msgstr", "msgid_plural", "msgstr[0]"):
            starts_entry = keyword == "msgctxt" or (keyword == "msgid" and "msgid" in current)
            if starts_entry and current:
                entries.append(current)
                current = {}
            field = keyword
        if line.startswith(("msgctxt", "msgid", "msgstr", '"')) and field:
            current[field] = current.get(field, "") + "".join(STRING.findall(line))
        elif not line.strip() or line.startswith("#"):
            field = None
    entries.append(current)
    return [
        (
            entry.get("msgctxt", ""),
            entry["msgid"].replace('\\"', '"'),
            entry.get("msgstr", "").replace('\\"', '"'),
        )
        for entry in entries
        if entry.get("msgid") and "msgid_plural" not in entry
    ]


def test_every_message_has_a_russian_translation():
    missing = [msgid for _context, msgid, msgstr in catalogue() if not msgstr]
    assert not missing


def test_the_compiled_catalogue_matches_the_po_file():
    with translation.override("ru"):
        stale = [
            msgid
            for context, msgid, msgstr in catalogue()
            if "\\n" not in msgid
            and (translation.pgettext(context, msgid) if context else translation.gettext(msgid))
            != msgstr
        ]
    assert not stale, "run manage.py compilemessages"


def fuzzy_entries() -> list[str]:
    """The msgid line of every entry flagged fuzzy: gettext ignores its translation."""
    fuzzy, flagged = [], False
    for line in PO.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,"):
            flagged = "fuzzy" in line
        elif line.startswith("msgid "):
            if flagged:
                fuzzy.append(line)
            flagged = False
    return fuzzy


def test_no_russian_translation_is_fuzzy():
    assert not fuzzy_entries()


def test_every_message_of_the_borrower_api_is_in_the_russian_catalogue():
    from clientapi.errors import MESSAGES

    untranslated = []
    for code, wording in MESSAGES.items():
        with translation.override("en"):
            english = str(wording)
        with translation.override("ru"):
            if str(wording) == english:
                untranslated.append(code)
    assert not untranslated
