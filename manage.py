#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zaymer.settings")
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        # A checkout with no configuration at all is a developer's (production sets SECRET_KEY;
        # `make serve` and the WSGI entry point still refuse to start without one).
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    from zaymer.startup import EXIT_MISCONFIGURED, SERVICE_COMMANDS, check_services, explain

    try:
        if sys.argv[1:2] and sys.argv[1] in SERVICE_COMMANDS:
            check_services()
        execute_from_command_line(sys.argv)
    except Exception as exc:
        reason = explain(exc)
        if reason is None:
            raise
        sys.stderr.write(f"zaymer: {reason}\n")
        sys.exit(EXIT_MISCONFIGURED)


if __name__ == "__main__":
    main()
