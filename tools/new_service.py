"""Scaffolds a working empty service: ``make new-service NAME=<name>``.

    python tools/new_service.py NAME [--root DIR] [--port N] [--no-lock]

Writes ``services/NAME/`` from ``tools/templates/service/`` (every template ends in ``.tmpl``, so
neither ruff nor pytest reads it as code; ``{{name}}``, ``{{Name}}``, ``{{NAME}}`` and ``{{port}}``
are replaced in file contents and paths), adds NAME to the gateway's routing table, and (unless
``--no-lock``) runs ``uv lock`` so that the new workspace member enters ``uv.lock``.

The service has the shape of the others: its migration (chassis tables included), a sample HTTP
route (notes), a sample consumer (``fan.profile_updated`` into a ``fans_seen`` read model) and unit
tests that pass. Health, readiness and metrics come from the chassis.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import keyword
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(__file__).resolve().parent
TEMPLATES = TOOLS / "templates" / "service"
ROUTING = Path("services/gateway/src/gateway/routing.py")

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME = 40
"""Names become a PostgreSQL role and database (63 bytes at most), env prefixes and Kafka groups."""
RESERVED = {"sandbox", "postgres", "template0", "template1", "huntaze", "service", "services", "libs", "tests"}
"""Databases of tools/infra.py that belong to no service, and names that would confuse the layout."""
MAX_PORT = 52000
"""The test harness serves each service on its port + an offset of at most 13000 (tools/infra.py)."""
HTTP_PORT = re.compile(r"^\s*http_port\s*:\s*int\s*=\s*(\d+)", re.M)
ROUTES_BLOCK = re.compile(r"^ROUTES\b[^=\n]*=\s*\{\n(?P<body>.*?)^\}", re.M | re.S)
ROUTE_LINE = re.compile(r'^\s*"(?P<name>[^"]+)"\s*:\s*(?P<port>\d+)\s*,', re.M)


def routes(root: Path) -> dict[str, int]:
    """The gateway's routing table, read from its source (name → local port)."""
    match = ROUTES_BLOCK.search((root / ROUTING).read_text())
    if match is None:
        raise SystemExit(f"no ROUTES = {{...}} block found in {root / ROUTING}")
    return {m["name"]: int(m["port"]) for m in ROUTE_LINE.finditer(match["body"])}


def used_ports(root: Path) -> set[int]:
    """The ``http_port`` default of every service's settings, and every port of the routing table."""
    ports = set(routes(root).values())
    for config in (root / "services").glob("*/src/*/config.py"):
        ports.update(int(p) for p in HTTP_PORT.findall(config.read_text()))
    return ports


def next_port(root: Path) -> int:
    used = used_ports(root)
    port = max(used, default=7999) + 1
    while port in used:
        port += 1
    return port


def check_name(name: str, root: Path) -> None:
    """Refuses (SystemExit with the reason) a name that is not a fresh, importable service name."""
    if not NAME_PATTERN.fullmatch(name):
        raise SystemExit(f"{name!r}: use lowercase letters, digits and _, starting with a letter")
    if len(name) > MAX_NAME:
        raise SystemExit(f"{name!r}: at most {MAX_NAME} characters")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise SystemExit(f"{name!r} is a Python keyword")
    if name in sys.stdlib_module_names:
        raise SystemExit(f"{name!r} is a module of Python's standard library: `python -m {name}` would run that")
    if name in RESERVED:
        raise SystemExit(f"{name!r} is reserved ({', '.join(sorted(RESERVED))})")
    if (root / "services" / name).exists():
        raise SystemExit(f"services/{name} already exists")
    if name in routes(root):
        raise SystemExit(f"the gateway already routes {name!r} ({ROUTING})")
    search = [p for p in sys.path if p and Path(p).resolve() != TOOLS]
    found = importlib.machinery.PathFinder.find_spec(name, search)
    if found is not None:
        where = found.origin or next(iter(found.submodule_search_locations or []), "?")
        raise SystemExit(f"{name!r} clashes with the installed module at {where}")


def placeholders(name: str, port: int) -> dict[str, str]:
    return {
        "{{name}}": name,
        "{{Name}}": "".join(part.capitalize() for part in name.split("_")),
        "{{NAME}}": name.upper(),
        "{{port}}": str(port),
    }


def render(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def write_service(root: Path, name: str, port: int) -> list[Path]:
    """Renders every template into ``services/NAME``; returns the files written."""
    values = placeholders(name, port)
    target = root / "services" / name
    rendered = {}
    for template in sorted(TEMPLATES.rglob("*.tmpl")):
        relative = render(str(template.relative_to(TEMPLATES)), values).removesuffix(".tmpl")
        rendered[target / relative] = render(template.read_text(), values)
    leftovers = [str(p) for p, text in rendered.items() if "{{" in text or "{{" in str(p)]
    if leftovers:
        raise SystemExit(f"unknown placeholder left in {', '.join(leftovers)}")
    try:
        for path, text in rendered.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return list(rendered)


def add_route(root: Path, name: str, port: int) -> Path:
    """Adds ``"NAME": PORT,`` as the last line of the gateway's ROUTES dict."""
    path = root / ROUTING
    text = path.read_text()
    match = ROUTES_BLOCK.search(text)
    assert match is not None  # checked by routes()
    end = match.end("body")
    path.write_text(f'{text[:end]}    "{name}": {port},\n{text[end:]}')
    return path


def uv_binary(root: Path) -> str:
    """``$UV`` (the Makefile passes its own), else the pinned .cache/uv/bin/uv, else ``uv`` on PATH."""
    pinned = root / ".cache" / "uv" / "bin" / "uv"
    found = os.environ.get("UV") or (str(pinned) if pinned.exists() else shutil.which("uv"))
    if not found:
        raise SystemExit("uv not found (.cache/uv/bin/uv or on PATH): run `make install` first, or pass --no-lock")
    return found


def lock(root: Path) -> None:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    done = subprocess.run([uv_binary(root), "lock"], cwd=root, env=env)
    if done.returncode != 0:
        raise SystemExit(f"`uv lock` failed (exit {done.returncode}); the service is written: fix, then `make lock`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="lowercase letters, digits and _, starting with a letter")
    parser.add_argument("--root", type=Path, default=ROOT, help="the workspace to write into (default: this one)")
    parser.add_argument("--port", type=int, help="local HTTP port (default: the next after the highest in use)")
    parser.add_argument("--no-lock", action="store_true", help="do not run `uv lock` afterwards")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    name: str = args.name

    check_name(name, root)
    port = args.port if args.port is not None else next_port(root)
    if not 1024 <= port <= MAX_PORT:
        raise SystemExit(f"port {port}: choose one in 1024-{MAX_PORT} (tests serve on port + up to 13000)")
    if port in used_ports(root):
        raise SystemExit(f"port {port} is already used by a service or a gateway route")

    files = write_service(root, name, port)
    routing = add_route(root, name, port)
    print(f"created services/{name} (local port {port}):")
    for path in files:
        print(f"  {path.relative_to(root)}")
    print(f'added "{name}": {port} to {routing.relative_to(root)}')
    if not args.no_lock:
        lock(root)
        print(f"locked huntaze-{name.replace('_', '-')} into uv.lock")
    print(
        "\nnext:\n"
        "  make install    (make new-service does it: installs the service into .venv)\n"
        f"  .venv/bin/python -m pytest services/{name} -q\n"
        f"  make docs       (the event catalog now lists {name}.fans_seen; a contract test checks it)\n"
        f"  make run        ({name} on :{port}; the gateway answers /v1/{name}/...)\n"
        f"then replace the sample notes and fans_seen (tables, routes, consumer, tests) with {name}'s own;\n"
        f"add migrations with `python -m {name} revision -m '...'`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
