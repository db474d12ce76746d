"""Scratch folders: a killed process's are removed by the next process; a live process's,
this one's or another's, are never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from indicators import scratch
from indicators.paths import DEFAULT_DATA_DIR

pytestmark = pytest.mark.skipif(scratch.fcntl is None, reason="folders are locked only where fcntl exists")

# Makes a folder of the prefix given, says where, and waits to be killed.
HOLDER = ("import sys, time; from indicators import scratch; "
          "print(scratch.make(sys.argv[1]), flush=True); time.sleep(600)")


@pytest.fixture
def temporary(tmp_path, monkeypatch) -> Path:
    """The temporary folder of this test and of the processes it starts."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def _holding(prefix: str) -> tuple[subprocess.Popen, Path]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, prefix], stdout=subprocess.PIPE, text=True)
    return process, Path(process.stdout.readline().strip())


def test_a_killed_process_folder_is_removed_and_a_live_one_kept(temporary):
    killed, abandoned = _holding("pk-test-")
    alive, running = _holding("pk-test-")
    own = scratch.make("pk-test-")
    other_kind = temporary / "pk-other-abandoned"
    other_kind.mkdir()
    try:
        (abandoned / "state.csv").write_text("a,b\n")
        killed.send_signal(signal.SIGKILL)  # no clean-up runs
        killed.wait(timeout=30)
        assert abandoned.is_dir()
        assert scratch.sweep("pk-test-") == [abandoned]
        assert not abandoned.exists()
        assert running.is_dir() and own.is_dir() and other_kind.is_dir()
    finally:
        alive.kill()
        alive.wait(timeout=30)
        scratch.remove(own)
    assert not own.exists()
    assert scratch.sweep("pk-test-") == [running]  # its process is gone now


def test_a_folder_being_made_has_no_lock_file_yet_and_is_left_alone(temporary):
    making = temporary / "pk-test-making"
    making.mkdir()
    (making / ".lock-unnamed").write_text("")
    assert scratch.sweep("pk-test-") == []
    assert making.is_dir()


def test_the_first_folder_of_a_kind_sweeps_that_kind(temporary):
    killed, abandoned = _holding("pk-first-")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    # A new process, as an app started again after being killed.
    again = subprocess.run([sys.executable, "-c", "from indicators import scratch; print(scratch.make('pk-first-'))"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-500:]
    assert not abandoned.exists()
    made = Path(again.stdout.strip())
    # That process ended without removing its folder: the next one to make a folder sweeps it.
    assert made.is_dir()
    mine = scratch.make("pk-first-")
    assert mine.is_dir() and not made.exists()
    scratch.remove(mine)


def test_a_killed_app_state_folder_is_removed_by_the_next_app(store_url, temporary):
    # store_url first: a PostgreSQL server started for it lives outside this test's folder.
    from indicators.store import Store

    seeded = Store(store_url)
    seeded.migrate()
    seeded.seed(DEFAULT_DATA_DIR)
    seeded.engine.dispose()
    writes = ("import os, signal, sys; from indicators.store import Store; "
              "print(Store(sys.argv[1]).validated()[0].folder, flush=True); os.kill(os.getpid(), signal.SIGKILL)")
    env = {**os.environ, "TMPDIR": str(temporary)}
    first = subprocess.run([sys.executable, "-c", writes, store_url], capture_output=True, text=True, timeout=300,
                           env=env)
    assert first.returncode == -signal.SIGKILL, first.stderr[-500:]
    left = Path(first.stdout.strip()).parent
    assert left.is_dir() and left.name.startswith("indicators-store-")
    second = subprocess.run([sys.executable, "-c", writes, store_url], capture_output=True, text=True, timeout=300,
                            env=env)
    assert second.returncode == -signal.SIGKILL, second.stderr[-500:]
    assert not left.exists()
    assert Path(second.stdout.strip()).parent.is_dir()


# Draws one chart through the browser, then is killed (keep=1) or ends as a program does,
# its renderer stopped (keep=0).
RENDERS = ("import os, signal, sys; import plotly.graph_objects as go; from indicators import images; "
           "images.start_server(); images.figure_bytes(go.Figure(go.Bar(x=[1], y=[2])), 'svg'); "
           "os.kill(os.getpid(), signal.SIGKILL) if sys.argv[1] == '1' else images.stop_server()")


def test_a_killed_renderer_browser_folder_is_removed_by_the_next_renderer(chromium, temporary):
    from indicators.images import BROWSER_FOLDER_PREFIX

    def render(killed: bool) -> list[Path]:
        done = subprocess.run([sys.executable, "-c", RENDERS, str(int(killed))], capture_output=True, text=True,
                              timeout=300, env={**os.environ, "TMPDIR": str(temporary)})
        assert done.returncode == (-signal.SIGKILL if killed else 0), done.stderr[-500:]
        return sorted(temporary.glob(f"{BROWSER_FOLDER_PREFIX}*"))

    [left] = render(killed=True)
    # The browser's profile and its page, which the browser's own clean-up would have removed.
    assert (left / "index.html").is_file() and [p for p in left.iterdir() if p.is_dir()]
    [again] = render(killed=True)
    assert again != left and not left.exists()
    assert render(killed=False) == []  # the one left swept, its own removed when it stopped
