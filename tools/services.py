"""The services of the platform, as the shell tools need them (found by their entry points).

python tools/services.py names      one per line
python tools/services.py procfile   the honcho Procfile of `make run` (one process per service)
python tools/services.py ports      "name port" per line (their local HTTP ports)
"""

from __future__ import annotations

import sys

from huntaze_service import discover


def main(command: str) -> None:
    services = discover()
    if command == "names":
        print("\n".join(services))
    elif command == "procfile":
        print("\n".join(f"{name}: python -m {name} serve" for name in services))
    elif command == "ports":
        print("\n".join(f"{name} {d.default_port}" for name, d in services.items()))
    else:
        raise SystemExit(f"unknown command {command!r}: names, procfile or ports")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "names")
