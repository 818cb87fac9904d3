"""`python -m pytest_play.jenkins`: see the package's docstring."""

import sys

from .cli import main

sys.exit(main())
