"""``python -m mfcsim``: the same as the ``mfcsim`` command."""

from mfcsim.cli import console

console()
