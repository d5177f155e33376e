import sys

from .bootstrap import definition

sys.exit(definition.main())
