"""What a planner writes, as typed, frozen data: the council config (``council``), its YAML
loading with ``extends`` and errors that name the file, field, value and rule (``loader``),
duration distributions, policy specs, experiment files and the councils of a region.

This layer knows nothing of the model: it imports only ``sim.metrics`` below it.
"""
