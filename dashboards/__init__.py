"""The Dash explorer over run folders: it arranges :mod:`mfcsim.viz` figures, computes nothing."""
