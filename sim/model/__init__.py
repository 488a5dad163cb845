"""The SimPy model of one council: demand, the case pathway, allocation, the workforce,
recruitment and agency cover, policy runtimes and the monthly monitor.

The modules on the path of every event are compiled by mypyc (``core.CORE_MODULES``).
Before any of them is imported, :func:`core.select` decides whether the compiled modules
are current or the Python source must run instead, so it is called here, first.
"""

from sim.model import core as _core

_core.select()
