"""What the web benchmarks share: a demo database, gunicorn on a free loopback port, percentiles."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from feedback.services.demo import DISTRICTS as DEMO_DISTRICTS

ROOT = Path(__file__).resolve().parent.parent
# The servers and the app's commands run under the interpreter that runs the benchmark (the README's
# lines use .venv/bin/python), so that another build of Python can be measured with a venv of its own.
PYTHON = Path(sys.executable)
# gunicorn's web processes, as the README recommends on SQLite (Scaling out): twice the cores, so
# that a worker waiting for its turn at the write lock, or for its flush, leaves its core to another.
WORKERS = 2 * (os.cpu_count() or 1)


def demo_environment(database: Path) -> dict:
    """A fresh database with the demo loaded, and the environment that points the app at it. Public posts
    are not rate limited here: the load comes from one address."""
    env = {
        **os.environ,
        "FEEDBACK_DATABASE_URL": f"sqlite:///{database}",
        "FEEDBACK_SECRET_KEY": "bench" * 8,
        "FEEDBACK_PUBLIC_POST_LIMIT": "100000000/60",
        "FEEDBACK_DISTRICTS": "; ".join(DEMO_DISTRICTS),  # families are asked where they live, as in the demo
        "FLASK_APP": "feedback",
    }
    flask = [str(PYTHON), "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run(flask + ["demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def gunicorn(app: str, port: int, env: dict, workers: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 as in the README's production line (sync workers forked from one preloaded app),
    but with gthread workers if threads > 1."""
    worker_class = "sync" if threads == 1 else "gthread"
    return subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "gunicorn",
            app,
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        env=env,
    )


def workers_cpu_seconds(server: subprocess.Popen) -> float | None:
    """CPU time (user and system) used so far by the processes ``server`` started: gunicorn's workers.
    None where there is no /proc to read it from."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if int(fields[1]) == server.pid:  # fields[1] is the parent; [11] and [12] user and system ticks
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]
