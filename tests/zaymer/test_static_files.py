"""Every file a vendored or own static file names must be in the repository: the production
storage (whitenoise's compressed manifest) refuses to collect a file that names a missing one."""

import re
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import HashedFilesMixin

STATIC = Path(settings.BASE_DIR) / "static"
# The patterns the manifest storage follows, and the module imports it can be told to follow.
PATTERNS = [
    *HashedFilesMixin.patterns,
    HashedFilesMixin._js_module_import_aggregation_patterns,
]


def _references(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = []
    for glob, expressions in PATTERNS:
        if not fnmatch(path.name, glob):
            continue
        for expression in expressions:
            pattern = expression[0] if isinstance(expression, tuple) else expression
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                found.append(match.group("url").strip())
    return found


def _local(url: str) -> bool:
    scheme = urlsplit(url).scheme
    return bool(url) and not scheme and not url.startswith(("#", "/", "//", "data:"))


STATIC_FILES = sorted(p for p in STATIC.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", STATIC_FILES, ids=lambda p: str(p.relative_to(STATIC)))
def test_a_static_file_names_only_files_that_exist(path):
    missing = [
        url
        for url in _references(path)
        if _local(url) and not (path.parent / urldefrag(url)[0].split("?")[0]).is_file()
    ]
    assert not missing, f"{path.relative_to(STATIC)} names missing files: {missing}"


def test_the_reference_finder_sees_a_source_map_comment(tmp_path):
    bundle = tmp_path / "lib.js"
    bundle.write_text("var a=1;\n//# sourceMappingURL=lib.js.map\n")
    assert _references(bundle) == ["lib.js.map"]
