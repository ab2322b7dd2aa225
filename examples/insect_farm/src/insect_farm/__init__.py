"""mfcsim-insect-farm: a black soldier fly farm as an mfcsim plug-in (firm type ``bsf_farm``)."""

from insect_farm.firm import InsectFarm

__all__ = ["InsectFarm"]
