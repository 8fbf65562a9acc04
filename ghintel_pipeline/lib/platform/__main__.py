"""``python -m ghintel_pipeline.lib.platform``: the detached supervisor (stdout is ``logs/platform.log``)."""

from __future__ import annotations

import argparse
import sys
import time

from ghintel_pipeline.lib.platform.services import parse_services
from ghintel_pipeline.lib.platform.supervisor import AlreadyRunning, Supervisor
from ghintel_pipeline.lib.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the detached supervisor (its stdout is ``logs/platform.log``)."""
    parser = argparse.ArgumentParser(prog="ghintel-platform-supervisor")
    parser.add_argument("--services", default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    names = parse_services(args.services, settings)

    def echo(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}", flush=True)

    try:
        return Supervisor(settings, names, detached=True, echo=echo).run()
    except AlreadyRunning as exc:
        echo(str(exc))
        return 3


if __name__ == "__main__":
    sys.exit(main())
