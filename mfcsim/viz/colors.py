"""Stable colours: the same material, sector or boundary kind has one colour in every figure.

A name's colour is drawn from a fixed palette by a checksum of the name, so it does not
depend on which other names a figure shows, on their order, or on the run.
"""

from __future__ import annotations

import zlib

#: 22 colours far apart (Kelly's list of maximum contrast, without white and black).
PALETTE: tuple[str, ...] = (
    "#F3C300", "#875692", "#F38400", "#A1CAF1", "#BE0032", "#C2B280", "#848482", "#008856",
    "#E68FAC", "#0067A5", "#F99379", "#604E97", "#F6A600", "#B3446C", "#DCD300", "#882D17",
    "#8DB600", "#654522", "#E25822", "#2B3D26", "#1F77B4", "#17BECF",
)  # fmt: skip

#: Boundary nodes and groups that are not firms: one quiet grey.
BOUNDARY = "#9AA0A6"
#: The colour of an increase and of a decrease in difference figures.
INCREASE, DECREASE = "#1A9850", "#D73027"


def color_of(name: str) -> str:
    """The colour of a material, sector or firm name (``#RRGGBB``), the same everywhere."""
    return PALETTE[zlib.crc32(name.encode("utf-8")) % len(PALETTE)]


def with_alpha(color: str, alpha: float) -> str:
    """``#RRGGBB`` as ``rgba(r,g,b,alpha)``."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"
