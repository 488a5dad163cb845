"""Policy runtimes: each policy type's behaviour in a run, behind the hooks of
:class:`~sim.model.policies.base.PolicyRuntime`. The specs are data in
``sim.config.policies``; :func:`bind` pairs a spec with its runtime for one replication."""

from __future__ import annotations

from sim.config.policies import PolicyBase
from sim.model.policies.agency import AgencyRuntime
from sim.model.policies.base import PolicyHost, PolicyRuntime
from sim.model.policies.campaign import CampaignRuntime
from sim.model.policies.demand import DemandRuntime
from sim.model.policies.nqsw import NqswRuntime
from sim.model.policies.retention import RetentionRuntime
from sim.model.policies.supplement import SupplementRuntime

RUNTIMES: dict[str, type[PolicyRuntime]] = {
    "retention_payment": RetentionRuntime,
    "market_supplement": SupplementRuntime,
    "recruitment_campaign": CampaignRuntime,
    "agency_policy": AgencyRuntime,
    "nqsw_programme": NqswRuntime,
    "demand_management": DemandRuntime,
}
"""The runtime of each policy ``type`` (the spec's discriminator)."""

__all__ = ["RUNTIMES", "PolicyHost", "PolicyRuntime", "bind"]


def bind(spec: PolicyBase, model: PolicyHost) -> PolicyRuntime:
    """The runtime of ``spec`` in ``model``'s replication, its hooks registered with the
    model's levers."""
    runtime = RUNTIMES[spec.type](spec, model)  # type: ignore[attr-defined]
    if runtime.changes_leaving():
        model.levers.hazard_modifiers.append(runtime.hazard)
    if type(runtime).on_leave is not PolicyRuntime.on_leave:
        model.levers.leave_hooks.append(runtime.on_leave)
    return runtime
