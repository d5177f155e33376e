import sys
from pathlib import Path

from huntaze_service.cli import main

from .bootstrap import build
from .config import InboxSettings

sys.exit(main(settings_factory=InboxSettings, build=build, migrations_dir=Path(__file__).parent / "migrations"))
