"""YAML as the generated files write it: block style, literal blocks for multi-line strings, no
anchors (a reader sees every value where it applies)."""

from __future__ import annotations

from typing import Any

import yaml


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


Dumper.add_representer(str, _str)


def dumps(document: Any) -> str:
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, width=120, allow_unicode=True)
