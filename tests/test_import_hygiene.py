"""The core must stay UI-free: importing it never loads Textual or Rich."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import workbench.core

CORE = sorted(m.name for m in pkgutil.walk_packages(workbench.core.__path__, prefix="workbench.core."))
CORE_MODULES = [*CORE, "workbench.paths", "workbench.cli"]

PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
ui = ('textual', 'rich')
bad = sorted(m for m in sys.modules if m.split('.')[0] in ui or m.startswith('workbench.tui'))
print(','.join(bad))
"""


def test_core_imports_no_ui() -> None:
    code = PROBE.format(modules=CORE_MODULES)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"UI modules loaded by the core: {out.stdout.strip()}"
    assert len(CORE_MODULES) > 5


def test_no_module_imports_itself_through_others() -> None:
    """No import cycle among the package's modules, counting every import that runs (function-level ones too;
    `if TYPE_CHECKING:` imports never run)."""
    import grimp

    graph = grimp.build_graph("workbench", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join([module, *back]))
    assert cycles == []
