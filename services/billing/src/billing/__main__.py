"""Huntaze billing service: the chassis' commands, plus ``plans load FILE.json`` (see plans_cli)."""

import sys

if sys.argv[1:2] == ["plans"]:
    from .plans_cli import main

    sys.exit(main(sys.argv[2:]))

from .bootstrap import definition

sys.exit(definition.main())
