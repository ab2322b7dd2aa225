"""Fixed node positions for Sankeys, so every time step and every run of one topology match.

Boundary sources (import, environment) stand left, boundary sinks right, and the other nodes
in columns by their depth along the links (the longest path from a source along the links that go
forward in an order that keeps the heavy links forward); within a column nodes stand in name order,
each given room in proportion to its throughput. Positions depend only on the nodes, the
links' endpoints and their sizes over the whole run.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from mfcsim.viz.sankey_data import throughput

LEFT, RIGHT = 0.001, 0.999
#: Share of a column's height left as gaps between its nodes.
GAP_SHARE = 0.15


def _linear_order(nodes: list[str], weight: dict[tuple[str, str], float]) -> list[str]:
    """An order that keeps the heavy links forward (Eades, Lin and Smyth's greedy heuristic).

    Sinks go to the back and sources to the front as they appear; otherwise the node that
    sends the most more than it receives goes to the front. Ties go by name.
    """
    left = set(nodes)
    front: list[str] = []
    back: list[str] = []

    def flow(n: str, outgoing: bool) -> float:
        return sum(
            w
            for (s, t), w in weight.items()
            if s in left and t in left and (s if outgoing else t) == n and s != t
        )

    while left:
        ordered = sorted(left)
        sinks = [n for n in ordered if flow(n, True) == 0.0]
        if sinks:
            back = [sinks[0], *back]
            left.discard(sinks[0])
            continue
        sources = [n for n in ordered if flow(n, False) == 0.0]
        pick = sources[0] if sources else max(ordered, key=lambda n: flow(n, True) - flow(n, False))
        front.append(pick)
        left.discard(pick)
    return front + back


def _depths(nodes: list[str], weight: dict[tuple[str, str], float]) -> dict[str, int]:
    """Longest-path depth of each node over the links that go forward in the linear order."""
    order = _linear_order(nodes, weight)
    rank = {n: i for i, n in enumerate(order)}
    depth = dict.fromkeys(nodes, 0)
    forward = sorted((rank[s], rank[t]) for s, t in weight if rank[s] < rank[t])
    for i, j in forward:  # sorted by source rank: each depth is final before it is used
        depth[order[j]] = max(depth[order[j]], depth[order[i]] + 1)
    return depth


def _columns(links: pd.DataFrame, boundary: Collection[str]) -> dict[str, float]:
    sources, targets = set(links["source"]), set(links["target"])
    nodes = sorted(sources | targets)
    inner = [n for n in nodes if not (n in boundary and (n not in targets or n not in sources))]
    weight = links.groupby(["source", "target"])["value"].sum()
    inside = set(inner)
    depth = _depths(inner, {k: float(w) for k, w in weight.items() if set(k) <= inside})
    deepest = max(depth.values(), default=0)
    x = {n: 0.12 + 0.76 * (depth[n] / deepest if deepest else 0.5) for n in inner}
    for n in nodes:
        if n not in x:
            x[n] = LEFT if n not in targets else RIGHT
    return x


def node_positions(links: pd.DataFrame, boundary: Collection[str]) -> pd.DataFrame:
    """``node, x, y`` for every node of ``links`` (all steps), as Plotly's fractions.

    Args:
        links: The links of every step (``source, target, value``).
        boundary: The nodes that are boundary nodes.
    """
    x = _columns(links, boundary)
    size = throughput(links)
    rows = []
    for column in sorted(set(x.values())):
        members = sorted(n for n in x if x[n] == column)
        heights = size.reindex(members).fillna(0.0).to_numpy()
        total = heights.sum() or 1.0
        used = 0.0
        for i, (name, h) in enumerate(zip(members, heights, strict=True)):
            share = h / total
            y = (1 - GAP_SHARE) * (used + share / 2) + GAP_SHARE * (i + 0.5) / len(members)
            used += share
            rows.append((name, column, min(max(y, LEFT), RIGHT)))
    return pd.DataFrame(rows, columns=["node", "x", "y"])
