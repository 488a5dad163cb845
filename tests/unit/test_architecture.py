"""The package's layers, from the code's own imports (grimp reads every ``import``, those under
``TYPE_CHECKING`` and inside functions included): lower layers never import higher ones,
and no module imports itself through others."""

from __future__ import annotations

import grimp
import pytest

# Highest first. Within a Layer of several packages, none imports another.
LAYERS: tuple[str | grimp.Layer, ...] = (
    "cli",
    "calibrate",
    grimp.Layer("report", "checks", independent=True),
    "returns",
    "experiment",
    "model",
    "config",
    grimp.Layer("metrics", "version", independent=True),
)


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each direct import ``a -> b`` with a chain back from ``b`` to ``a``: the cycle."""
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append([module, *back])
    return cycles


def layer_violations(graph: grimp.ImportGraph) -> list[str]:
    return sorted(
        f"{d.importer} imports {d.imported}: "
        + "; ".join(" -> ".join((*r.heads, *r.middle, *r.tails)) for r in d.routes)
        for d in graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers={"sim"})
    )


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("sim", include_external_packages=False)


def test_every_module_belongs_to_a_layer(graph):
    names = {name for layer in LAYERS for name in _tails(layer)}
    loose = sorted(m for m in graph.find_children("sim") if m.split(".")[1] not in names)
    assert not loose, f"modules of sim in no layer: {loose}"


def _tails(layer: str | grimp.Layer) -> list[str]:
    return [layer] if isinstance(layer, str) else sorted(layer.module_tails)


def test_lower_layers_never_import_higher_ones(graph):
    assert layer_violations(graph) == []


def test_no_module_imports_itself_through_others(graph):
    assert import_cycles(graph) == []


def test_the_checks_find_a_cycle_and_a_layer_broken():
    """The two checks above on a package made to break both rules."""
    g = grimp.ImportGraph()
    for m in ("sim", "sim.model", "sim.model.a", "sim.model.b", "sim.config", "sim.config.c"):
        g.add_module(m)
    g.add_import(importer="sim.model.a", imported="sim.model.b")
    g.add_import(importer="sim.model.b", imported="sim.model.a")
    g.add_import(importer="sim.config.c", imported="sim.model.a")
    assert import_cycles(g) == [
        ["sim.model.a", "sim.model.b", "sim.model.a"],
        ["sim.model.b", "sim.model.a", "sim.model.b"],
    ]
    assert layer_violations(g) == ["sim.config imports sim.model: sim.config.c -> sim.model.a"]
