"""The substance views and check of a run, registered on :class:`mfcsim.results.Results`.

``substance_replay`` (the replay of every substance through the ledger),
``substance_flows`` (its flows, written as ``substance_flows.parquet``) and the check that
every strict run passes after its mass balance: each substance balances at every node, and
every flow's substances together weigh no more than the flow (closure).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mfcsim.errors import OverloadedCarrierError
from mfcsim.results import Results, View, register_check, register_view
from mfcsim.substances.balance import check_substance_balance, check_substance_closure
from mfcsim.substances.replay import SubstanceReplay, replay_substances


def substance_replay(results: Results) -> SubstanceReplay:
    """Substance flows and stocks of a run, replayed from its ledger."""
    shipments = results.extra.get("shipments", pd.DataFrame())
    return replay_substances(
        results.flows, results.stocks, results.nodes, shipments, results.scenario
    )


def check_substances(results: Results, kwargs: dict[str, float]) -> None:
    """Check the substance balance and closure of a run (``kwargs``: ``rtol``).

    Raises:
        MassBalanceError: If a substance does not balance at a node.
        OverloadedCarrierError: If a flow's substances outweigh it (a transfer coefficient
            puts more into a material than it weighs), naming the coefficient's file, line
            and field.
    """
    rep = results.substance_replay
    check_substance_balance(
        rep.flows, rep.stocks, results.nodes, rep.conserving, rep.carrier_t, **kwargs
    )
    try:
        check_substance_closure(rep.flows, rep.carrier_row, rep.carrier_t, **kwargs)
    except OverloadedCarrierError as exc:
        raise _blamed(exc, results) from None


def _blamed(exc: OverloadedCarrierError, results: Results) -> OverloadedCarrierError:
    """The error with the transfer coefficient at fault: its ``FILE:LINE: field``."""
    firm, _, substances, material, *_ = exc.rows[0]
    spec = results.scenario.firms.get(firm)
    pairs = [(pid, proc, s) for pid, proc in (spec.processes.items() if spec else ())
             for s in substances.split("+")]  # fmt: skip
    for pid, proc, substance in pairs:
        if material in proc.transfer.get(substance, {}):
            field = f"firms.{firm}.processes.{pid}.transfer.{substance}.{material}"
            known = results.scenario.provenance.get(field)
            rows = [(f, pid if f == firm else p, s, m, d, q, c) for f, p, s, m, d, q, c in exc.rows]
            return OverloadedCarrierError(rows, f"{known.at}: {field}" if known else field)
    return exc


def _save_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


register_view("substance_replay", View(substance_replay))
register_view(
    "substance_flows",
    View(lambda r: r.substance_replay.flows, "substance_flows.parquet", _save_parquet,
         pd.read_parquet),
)  # fmt: skip
register_check("substances", check_substances)
