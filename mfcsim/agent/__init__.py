"""The regional agent: pure clearing policies on columns and the thin SimPy-side driver.

``clearing`` holds the policies (``none``, ``greedy``, ``augment``, ``optimal``) as functions
of a day's problem arrays (``augment`` holds the walk and the augmenting paths of the policy
of that name) and ``policies`` registers them by name (plug-ins: the ``mfcsim.policies``
entry-point group); ``arcs`` builds the candidate arcs between offers and requests,
``neighbours`` keeps the nearest offering firms from day to day, ``order`` sorts within
blocks, ``routes`` prices candidate routes as arrays, ``lp`` writes the optimal policy's LP
for HiGHS and ``pricing`` solves it exactly, by parts and by column generation. ``process``
is the driver: it reads today's offers from the run's stock arrays, receives tomorrow's
requests as columns from the engine
(:class:`~mfcsim.agent.process.RequestColumns`), clears and ships.

May import: errors, scenario, world, network, ledger, firms (types only), and the engine's
state, market and transport it is handed. Never indicators, results, viz or the command line.
"""
