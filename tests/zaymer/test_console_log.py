"""The development console (LOG_FORMAT=text): one readable line per request, and a refused
page is a line, not a traceback."""

import io
import logging
import re
import socket
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from tests.underwriting.conftest import staff

LINE = re.compile(
    r"^\S+ \S+ INFO zaymer\.request (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<ms>\d+\.\d) ms$"
)


@contextmanager
def console():
    """What the project's console handler writes, with the text format of development."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    text = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    # Its stream is swapped without setStream, which flushes the old one: under pytest that can
    # be a capture file already closed.
    stream, previous, formatter = io.StringIO(), handler.stream, handler.formatter
    handler.stream = stream
    handler.setFormatter(text)
    try:
        yield stream
    finally:
        handler.stream = previous
        handler.setFormatter(formatter)


def request_lines(output: str) -> list[re.Match]:
    return [m for m in map(LINE.match, output.splitlines()) if m]


def test_the_text_log_has_one_line_per_request_with_method_path_status_and_time(client, db):
    with console() as out:
        client.get("/health/?phone=79161234567")
    (line,) = request_lines(out.getvalue())
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health/", "200")
    assert "79161234567" not in out.getvalue()


def test_a_path_with_a_newline_stays_on_one_line(client, db):
    with console() as out:
        client.get("/no-such%0AINFO forged line/")
    lines = [line for line in out.getvalue().splitlines() if "zaymer.request" in line]
    assert len(lines) == 1 and "\\n" in lines[0]
    assert not any(line.startswith("INFO forged") for line in out.getvalue().splitlines())


@pytest.mark.parametrize("path", ["/collection/", "/admin/"])
def test_a_refused_page_logs_no_traceback(client, db, path):
    client.force_login(staff("uw-refused", "underwriter"))
    with console() as out:
        response = client.get(path)
    assert response.status_code in (302, 403)
    output = out.getvalue()
    assert "Traceback" not in output and "PermissionDenied" not in output
    (line,) = request_lines(output)
    assert line["status"] == str(response.status_code)


def test_a_forbidden_view_keeps_djangos_warning_line_without_the_traceback(client, db):
    client.force_login(staff("uw-refused", "underwriter"))
    with console() as out:
        assert client.get("/collection/").status_code == 403
    warnings = [line for line in out.getvalue().splitlines() if "WARNING django.request" in line]
    assert warnings and "Traceback" not in out.getvalue()


def _demo_accounts(url: str, after_start: float) -> str:
    out = io.StringIO()
    call_command("demo_accounts", url=url, after_start=after_start, stdout=out)
    return out.getvalue()


def test_make_runs_accounts_are_printed_once_the_server_accepts_connections(db):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        assert _demo_accounts(url, after_start=5).strip()


def test_make_runs_accounts_are_not_printed_when_no_server_starts(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _demo_accounts(f"http://127.0.0.1:{port}/", after_start=1) == ""
