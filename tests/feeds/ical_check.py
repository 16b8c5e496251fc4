"""Run the project's copy of ical-check (``tools/ical-check``) from the tests.

design/ical.md, decision 12 and §4.4: every feed the app generates goes through
the wire-format linter, three parser engines (icalendar + vobject +
recurring-ical-events, ical.js, node-ical) and the cross-comparison of what
they expand. No single parser catches more than a third of the known bug
classes; together they catch all nine.

The tool installs its pinned Python and npm packages itself, once, under
``${ICAL_CHECK_CACHE:-~/.cache/ical-check}`` (PyPI and npm on the first run,
no network afterwards). It needs Node.js 20+ and npm (``make test`` installs
them as root, target ``ical-check-deps``). Without them the checks skip
loudly, and fail when CI=true.

Use::

    from tests.feeds.ical_check import assert_ical_check_passes

    assert_ical_check_passes([tmp_path / "calendar.ics"])
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NoReturn

import pytest

from app import clock

TOOL = Path(__file__).resolve().parents[2] / "tools" / "ical-check" / "run.sh"
# A first run also installs the parsers (about 5 s here, more on a slow network); one feed
# then takes 1-2 s and --self-test about 6 s. The limit only stops a hung run.
TIMEOUT_SECONDS = 300
MIN_NODE_MAJOR = 20
# The tool's own default window, but counted from app.clock (frozen in tests), not the host date.
DAYS_BEFORE = 60
DAYS_AFTER = 400


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _not_run(reason: str) -> NoReturn:
    message = (
        f"ICAL-CHECK NOT RUN: {reason}. The feed checks need Node.js {MIN_NODE_MAJOR}+ and npm "
        "(`make test` installs them when run as root)."
    )
    if _in_ci():
        pytest.fail(message + " CI=true, so this is a failure.", pytrace=False)
    pytest.skip(message)


def require_node() -> None:
    """Skip the calling test loudly unless Node.js 20+ and npm are installed.

    Under CI=true the test fails instead of skipping.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _not_run("node or npm is not installed")
    # The node found on PATH, with fixed arguments: nothing untrusted reaches the command line.
    found = subprocess.run(  # noqa: S603
        [node, "-p", "process.versions.node"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.strip()
    try:
        major = int(found.split(".")[0])
    except ValueError:
        major = 0
    if major < MIN_NODE_MAJOR:
        _not_run(f"Node.js {found or '?'} is too old")


def default_window() -> tuple[date, date]:
    """The expansion window around ``app.clock.now_utc()``: 60 days back, 400 ahead.

    In tests the clock is frozen (2026-11-25), so the window does not drift with
    the host's date the way the tool's own default (around the real today) would.
    """
    today = clock.now_utc().date()
    return today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)


def _run(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Its own process group, so a timeout also ends the node and python stages it started.
    # The command is our own run.sh; the arguments are paths the tests wrote (S603).
    with subprocess.Popen(  # noqa: S603
        [str(TOOL), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            # SIGTERM first: run.sh's EXIT trap then removes its work folder.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                output, _ = process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                output, _ = process.communicate()
            raise subprocess.TimeoutExpired(process.args, TIMEOUT_SECONDS, output=output) from None
    return subprocess.CompletedProcess(process.args, process.returncode, output, None)


def run_ical_check(
    paths: list[Path], *, window: tuple[date, date] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``tools/ical-check/run.sh`` on ``paths`` (files, or directories of ``*.ics``).

    ``window`` (FROM, TO) is the expansion window; None means ``default_window()``.
    Returns the finished process: ``returncode`` 0 when every file passed, 1 when one
    failed, 2 on a usage or installation error; ``stdout`` holds stdout and stderr
    interleaved, its last line a one-line summary. Skips the calling test (fails it
    under CI=true) without Node.js 20+ and npm. Raises ValueError for an empty
    ``paths`` and subprocess.TimeoutExpired after TIMEOUT_SECONDS.
    """
    if not paths:
        raise ValueError("run_ical_check needs at least one file or directory")
    require_node()
    start, end = window if window is not None else default_window()
    env = {**os.environ, "FROM": start.isoformat(), "TO": end.isoformat()}
    return _run([str(Path(p).resolve()) for p in paths], env)


def run_ical_check_self_test() -> subprocess.CompletedProcess[str]:
    """Run ``run.sh --self-test``: the sample passes and all nine broken variants fail.

    Same result, skipping and timeout as ``run_ical_check``.
    """
    require_node()
    return _run(["--self-test"], dict(os.environ))


def _raise_with_output(what: str, output: str) -> NoReturn:
    summary = output.rstrip().rsplit("\n", 1)[-1] if output.strip() else "(no output)"
    raise AssertionError(f"{what}: {summary}\n\n--- full ical-check output ---\n{output}")


def assert_ical_check_passes(paths: list[Path], window: tuple[date, date] | None = None) -> None:
    """Assert that ical-check passes every feed in ``paths``.

    Raises AssertionError carrying the summary line and the tool's full output on
    any failure, installation error or timeout. Skips (fails under CI=true)
    without Node.js 20+ and npm.
    """
    try:
        result = run_ical_check(paths, window=window)
    except subprocess.TimeoutExpired as exc:
        output = exc.output if isinstance(exc.output, str) else ""
        _raise_with_output(f"ical-check timed out after {TIMEOUT_SECONDS} s", output)
    if result.returncode != 0:
        _raise_with_output(f"ical-check exited with {result.returncode}", result.stdout)
