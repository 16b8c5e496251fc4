"""The production install is pinned with hashes in requirements.lock (README, Deploying)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _locked() -> dict[str, tuple[str, list[str]]]:
    """Package → (version, hashes) from requirements.lock."""
    locked: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match.group(1))
            locked[name] = (match.group(2), [])
        elif line.strip().startswith("--hash=sha256:"):
            locked[name][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"unexpected line in requirements.lock: {line!r}")
    return locked


def test_every_locked_package_is_pinned_with_hashes() -> None:
    locked = _locked()
    assert locked
    for name, (_version, hashes) in locked.items():
        assert hashes, name
        assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes), name


def test_the_lock_holds_every_production_dependency_and_no_dev_tool() -> None:
    locked = _locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name}: run make lock"
        assert requirement.specifier.contains(locked[name][0]), f"{name}: run make lock"
    for tool in ("pytest", "ruff", "mypy", "playwright"):
        assert tool not in locked


def test_make_audit_checks_the_lock_and_make_test_does_not_need_the_network() -> None:
    makefile = (ROOT / "Makefile").read_text()
    audit = makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    assert "pip-audit" in audit
    assert "-r requirements.lock" in audit
    lock = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    assert "--generate-hashes" in lock
    assert "requirements.lock" in lock
    for target in ("test", "test-fast"):
        prerequisites = makefile.split(f"\n{target}:", 1)[1].split("\n", 1)[0]
        assert "audit" not in prerequisites
        assert "lock" not in prerequisites
