"""The buyers' service figures of ``kpis.json``, registered as they were computed before.

``fill_rate`` itself is in :mod:`.people`. These three keep the computation of
:func:`mfcsim.results.service_kpis` (the service frame of the period), unchanged, so that
``kpis.json`` is produced from the registry; their definitions are being revised elsewhere.
"""

from __future__ import annotations

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Window

SERVICE = (
    ("fill_rate_quantity", "Buyers: 1 − shortfall ÷ ordered (service frame)."),
    ("substituted_share", "Buyers: delivered by a substitute ÷ delivered (service frame)."),
    ("imported_share_of_demand", "Buyers: imported ÷ ordered (service frame)."),
)


def _service(window: Window, name: str) -> float:
    from mfcsim.results import service_kpis

    service = window.frame("service")
    return service_kpis(service)[name] if "ordered" in service else float("nan")


for _name, _definition in SERVICE:
    indicator(_name, unit="share", pillar="people", definition=_definition)(
        lambda window, name=_name: _service(window, name)
    )
