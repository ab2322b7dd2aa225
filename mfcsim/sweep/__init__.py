"""Sweeps: many runs of a scenario over a design of parameter values, on Dask.

``design`` turns ``--vary`` options into variants and run ids; ``store`` is the sweep folder
(Parquet datasets streamed run by run, ``sweep.json``, resume); ``runner`` sends batches of
runs to Dask workers; ``cluster`` is where every parallel run in mfcsim reaches Dask;
``analysis`` reads a sweep folder back (status, per-variant summaries).

May import everything below it (scenario, engine, results, runfolder, indicators, compare);
only the command line imports it.
"""
