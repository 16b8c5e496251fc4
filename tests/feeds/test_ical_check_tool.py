"""The feed checker itself works here: it installs, and it still catches what it should.

If these fail, no feed test that uses tests/feeds/ical_check.py can be trusted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app import clock
from tests.feeds.ical_check import (
    TOOL,
    assert_ical_check_passes,
    default_window,
    run_ical_check_self_test,
)

SAMPLE = TOOL.parent / "sample.ics"


def test_self_test_passes_and_catches_the_nine_bug_classes() -> None:
    result = run_ical_check_self_test()

    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == (
        "ical-check self-test: pass (sample.ics pass, 9/9 negatives detected)"
    )


def test_helper_passes_the_window_and_reports_a_broken_feed(tmp_path: Path) -> None:
    # sample.ics holds 10 occurrences in 2027: a good feed, checked in that window.
    assert_ical_check_passes([SAMPLE], window=(date(2027, 1, 1), date(2028, 1, 1)))

    # The same feed with LF line endings: only the wire-format linter sees it.
    broken = tmp_path / "lf.ics"
    broken.write_bytes(SAMPLE.read_bytes().replace(b"\r\n", b"\n"))
    with pytest.raises(AssertionError) as failure:
        assert_ical_check_passes([broken], window=(date(2027, 1, 1), date(2028, 1, 1)))

    message = str(failure.value)
    assert message.startswith("ical-check exited with 1: ical-check: FAIL 1/1:")
    assert "CRLF" in message
    assert "--- full ical-check output ---" in message
    assert "(window 2027-01-01 .. 2028-01-01)" in message


def test_default_window_follows_the_app_clock() -> None:
    clock.freeze(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    try:
        assert default_window() == (date(2026, 9, 26), date(2027, 12, 30))
    finally:
        clock.freeze(None)


SHARED_TOOL = Path(__file__).resolve().parents[3] / "shared" / "tools" / "ical-check"


@pytest.mark.skipif(not SHARED_TOOL.is_dir(), reason="no ../shared beside this clone")
def test_bundled_copy_is_in_step_with_the_shared_tool() -> None:
    # The bundled copy exists for clones without ../shared; where the shared tool is
    # present (development, CI) a correction to it must reach the copy too.
    # README.md carries our note about the copy and may differ.
    shared = {p.name for p in SHARED_TOOL.iterdir() if p.is_file()} - {"README.md"}
    stale = [
        name
        for name in sorted(shared)
        if (SHARED_TOOL / name).read_bytes() != (TOOL.parent / name).read_bytes()
    ]
    assert stale == [], f"tools/ical-check differs from ../shared: {stale}"
