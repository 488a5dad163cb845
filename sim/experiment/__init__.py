"""Monte Carlo experiments: chunks of replications run in parallel (``parallel``), regions as
councils side by side (``region``), the scenario table with intervals and paired
comparisons (``scenario_table``, ``stats``), and the results folder, written and read in
one module (``results_folder``). ``runner.run_experiment`` is the entry point;
``preflight`` is ``csc-sim check``. ``uncertain`` draws an experiment's uncertain config
values per replication; ``sensitivity`` (``csc-sim sensitivity``) reruns an experiment with
each of them at the ends of its prior.
"""
