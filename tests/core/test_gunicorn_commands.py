"""Every gunicorn command we ship turns its control socket off.

gunicorn 27 opens a control socket (~/.gunicorn/gunicorn.ctl) by default: anyone who can
reach it as the service's user could reconfigure or stop the server. Vigil needs none of it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


def _disables_control_socket(command_line: str) -> bool:
    """Whether gunicorn itself reads ``command_line``'s options as "no control socket"."""
    # make's $(VARIABLES) stand for plain words; a backslash-newline continues the line.
    plain = re.sub(r"\$\(\w+\)", "x", command_line.replace("\\\n", " "))
    words = shlex.split(plain)
    arguments = words[next(n for n, word in enumerate(words) if word.endswith("gunicorn")) + 1 :]
    return bool(Config().parser().parse_args(arguments).control_socket_disable)


def make_gunicorn_lines(target: str) -> list[str]:
    """The gunicorn command lines of the Makefile's ``target``, $(GUNICORN) spelled out."""
    makefile = (ROOT / "Makefile").read_text()
    definition = re.search(r"^GUNICORN := (.*)$", makefile, flags=re.MULTILINE)
    assert definition is not None
    recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
    recipe = recipe.replace("$(GUNICORN)", definition.group(1))
    return re.findall(r"\$\(BIN\)/gunicorn[^&\n]*", recipe)


@pytest.mark.parametrize(("target", "servers"), [("run", 1), ("prod-demo", 2)])
def test_make_targets_turn_the_control_socket_and_access_log_off(target: str, servers: int) -> None:
    lines = make_gunicorn_lines(target)
    assert len(lines) == servers
    for line in lines:
        assert _disables_control_socket(line)
        # gunicorn's access log writes paths; the app's own line does not (app.requestlog).
        assert "access-log" not in line


def test_the_readme_service_turns_the_control_socket_off() -> None:
    readme = (ROOT / "README.md").read_text()
    starts = re.findall(r"^ExecStart=(.*gunicorn.*)$", readme, flags=re.MULTILINE)
    assert starts
    for start in starts:
        assert _disables_control_socket(start)


def test_the_benchmark_servers_turn_the_control_socket_off() -> None:
    source = (ROOT / "bench" / "_common.py").read_text()
    assert '"--no-control-socket"' in source.split("def _serve", 1)[1].split("\ndef ", 1)[0]
