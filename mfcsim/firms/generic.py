"""The generic firm: processes, storage and demand exactly as written in the scenario."""

from __future__ import annotations

from mfcsim.firms.base import Firm


class GenericFirm(Firm, type_name="generic"):
    """A firm with no built-in recipes; everything comes from the scenario.

    Accepts any ``params`` (they are available as ``self.params`` to subclasses).
    """
