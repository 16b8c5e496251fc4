"""Which packages of app/ may import which (STYLE.md, "Layout"), read from the source.

RSVP is built on events, never the reverse, and attendee data is reached only
from app/rsvp:

- app/events, app/venues, app/feeds, app/maps and app/models import neither
  app/rsvp nor the RSVP models (``app.models.rsvp``, also as ``Rsvp``,
  ``RsvpStatus``, ``OutboxMessage`` or ``NoticeKind`` through ``app.models``);
- app/feeds and app/maps not even through another module;
- app/models imports no feature package;
- no two feature packages import each other, directly or in a longer cycle.

The graph comes from tools/imports.py (``ast``, imports inside functions too).
The checks run once on a made-up tree that breaks every rule, so they can fail.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vigil_tools_imports", ROOT / "tools/imports.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and type hints look the module up
    spec.loader.exec_module(module)
    return module


imports = _load_tool()

# Packages that must not import RSVP code or models at all, and those that must not
# even reach them through another module.
NO_RSVP_IMPORTS = (
    "events",
    "venues",
    "feeds",
    "maps",
    "models",
    "api",
    "syndication",
    "posters",
    "previews",
)
# Public outputs: feeds, maps, the API, RSS, embeds, posters and previews.
NO_RSVP_REACH = ("feeds", "maps", "api", "syndication", "posters", "previews")
# app/models/rsvp.py is the RSVP models; app/models/__init__.py must not re-export them.
SCHEMA_MODULES = ("app.models.rsvp",)


def _is_rsvp(module: str) -> bool:
    return module in ("app.rsvp", "app.models.rsvp") or module.startswith("app.rsvp.")


def violations(app_dir: Path) -> list[str]:
    """Every broken rule of the module docstring in the package at ``app_dir``."""
    graph: Mapping[str, set[str]] = imports.module_graph(app_dir)
    features = set(imports.features(app_dir))
    found: list[str] = []
    for module, targets in sorted(graph.items()):
        package = imports.package_of(module)
        if package in NO_RSVP_IMPORTS and module not in SCHEMA_MODULES:
            found += [
                f"{module} imports {target}" for target in sorted(targets) if _is_rsvp(target)
            ]
        if package == "models":
            found += [
                f"{module} imports the feature {target}"
                for target in sorted(targets)
                if imports.package_of(target) in features
            ]
        if package in NO_RSVP_REACH:
            paths = imports.reachable(graph, module)
            found += [
                "reaches RSVP code: " + " -> ".join(path)
                for target, path in sorted(paths.items())
                if _is_rsvp(target) and len(path) > 2
            ]
    for cycle in imports.cycles(imports.package_graph(graph), features):
        found.append("cycle between features: " + " -> ".join(cycle))
    return found


def test_app_keeps_its_dependencies_one_way() -> None:
    assert violations(ROOT / "app") == []


def test_the_tool_prints_the_graph_and_finds_no_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    assert imports.main([]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  rsvp +-> auth, events, feeds, venues ", out, re.MULTILINE)
    assert "No cycle between feature packages." in out


# --- the checks can fail ----------------------------------------------------------------

BROKEN_TREE = {
    "__init__.py": "def create_app():\n    from app.rsvp import views\n",
    "pagecache.py": "from app.models import OutboxMessage\n",
    "models/__init__.py": (
        "from app.models.event import Event\nfrom app.models.rsvp import OutboxMessage, Rsvp\n"
    ),
    "models/event.py": "",
    "models/rsvp.py": "from app.models.event import Event\n",
    "models/user.py": "def f():\n    from app.events import services\n",
    "events/__init__.py": "",
    "events/services.py": "def f():\n    from app.rsvp import notices\n",
    "events/views.py": "import app.rsvp.views\n",
    "rsvp/__init__.py": "bp = None\n",
    "rsvp/notices.py": "from app.events import services\n",
    "rsvp/views.py": "from app.rsvp import bp\n",
    "venues/__init__.py": "",
    "venues/services.py": "from ..models import Rsvp\n",
    # Through a shared module: the page cache names an RSVP model.
    "feeds/__init__.py": "",
    "feeds/views.py": "from app import pagecache\nfrom app.models import Event\n",
    # Allowed: events and the app factory, whose imports are not followed.
    "maps/__init__.py": "",
    "maps/views.py": "from app.models import Event\nfrom app import create_app\n",
}


@pytest.fixture
def broken_app(tmp_path: Path) -> Path:
    app_dir = tmp_path / "app"
    for name, source in BROKEN_TREE.items():
        path = app_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return app_dir


def test_names_resolve_to_the_module_that_defines_them(broken_app: Path) -> None:
    graph = imports.module_graph(broken_app)
    assert graph["app.feeds.views"] == {"app.pagecache", "app.models.event"}
    assert graph["app.pagecache"] == {"app.models.rsvp"}  # re-exported by app.models
    assert graph["app.venues.services"] == {"app.models.rsvp"}  # a relative import
    assert graph["app.rsvp.views"] == {"app.rsvp"}  # a name defined in the package
    assert graph["app.events.views"] == {"app.rsvp.views"}


def test_every_broken_rule_is_reported(broken_app: Path) -> None:
    assert violations(broken_app) == [
        "app.events.services imports app.rsvp.notices",
        "app.events.views imports app.rsvp.views",
        "reaches RSVP code: app.feeds.views -> app.pagecache -> app.models.rsvp",
        "app.models imports app.models.rsvp",
        "app.models.user imports the feature app.events.services",
        "app.venues.services imports app.models.rsvp",
        "cycle between features: events -> rsvp -> events",
    ]


def test_the_tool_fails_on_a_cycle(broken_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert imports.main([], app_dir=broken_app) == 1
    assert "cycle between features: events -> rsvp -> events" in capsys.readouterr().err
