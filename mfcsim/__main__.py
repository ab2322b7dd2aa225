"""``python -m mfcsim``: the same as the ``mfcsim`` command."""

import sys

from mfcsim.cli import main

sys.exit(main())
