import sys
from pathlib import Path

from huntaze_service.cli import main

from .bootstrap import build
from .config import AiSettings

sys.exit(main(settings_factory=AiSettings, build=build, migrations_dir=Path(__file__).parent / "migrations"))
