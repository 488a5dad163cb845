"""Monte Carlo experiments: chunks of replications run in parallel (``parallel``), regions as
councils side by side (``region``), the scenario table with intervals and paired
comparisons (``scenario_table``, ``stats``), and the results folder, written and read in
one module (``results_folder``). ``runner.run_experiment`` is the entry point;
``preflight`` is ``csc-sim check``.
"""
