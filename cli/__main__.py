"""``python -m cli``: the ``article-qa`` command."""

import sys

from .main import main

sys.exit(main())
