"""The regional agent: pure clearing policies and the thin SimPy-side driver."""
