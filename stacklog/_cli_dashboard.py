"""The ``stacklog dashboard`` command: serve the explorer as a Voilà web app on 127.0.0.1.

The app is the notebook ``stacklog/dashboard.ipynb`` (package data), run by Voilà in a
subprocess. The notebook learns what to show from environment variables, which the kernel
inherits from the server:

``STACKLOG_SOURCES``
    Job files, folders or glob patterns, separated by ``os.pathsep`` (absolute paths).
``STACKLOG_ERRORS``
    ``raise`` or ``skip`` (see :func:`stacklog.read_jobs`).
``STACKLOG_TZ``
    Time zone of the explorer's times.
``STACKLOG_WORKDIR``
    The folder the command was started in: the kernel works there, so that the explorer's
    export folder ``reports/`` (and any relative folder typed into it) lands there and not
    in the installed package.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["default_sources", "register", "run", "voila_command"]

ENV_SOURCES = "STACKLOG_SOURCES"
ENV_ERRORS = "STACKLOG_ERRORS"
ENV_TZ = "STACKLOG_TZ"
ENV_WORKDIR = "STACKLOG_WORKDIR"

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
INSTALL_HINT = 'pip install "stacklog[dashboard]"'

#: How long to wait for the server to listen, and for it to stop after Ctrl-C.
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0

_DESCRIPTION = """\
Serve the job explorer (stacklog.explore) as a web app on http://127.0.0.1:PORT/: filter
jobs by operation, service type, status, name and start date, pick one to see its timeline
and step table, compare its steps with the median of the same operation and export the
listed jobs as CSV. Runs the notebook stacklog/dashboard.ipynb with Voilà, which is an
optional extra: pip install "stacklog[dashboard]". The server listens on 127.0.0.1 only;
stop it with Ctrl-C.
"""

_EPILOG = """\
examples:
  stacklog dashboard                          the sample jobs in ./data/sample
  stacklog dashboard data/sample --port 8866
  stacklog dashboard dumps/ "more/*.json" --errors skip --tz Europe/Berlin --no-browser
"""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``dashboard`` subcommand to ``subparsers``; its ``func(args)`` returns 0 or 1."""
    p = subparsers.add_parser(
        "dashboard",
        help="serve the interactive job explorer as a web app (needs stacklog[dashboard])",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="job files (.json, .ndjson), folders (read recursively) or glob "
                        "patterns (default: data/sample, the shipped sample of 240 jobs)")
    p.add_argument("--port", "-p", type=int, default=DEFAULT_PORT, metavar="N",
                   help=f"port on 127.0.0.1 to serve on (default: {DEFAULT_PORT})")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open the dashboard in a web browser, only print its address")
    p.add_argument("--tz", default="UTC", metavar="ZONE",
                   help="time zone of the times shown, an IANA name such as Europe/Berlin "
                        "(default: UTC)")
    p.add_argument("--errors", choices=("raise", "skip"), default="raise",
                   help="on a malformed input file: show the error (default) or skip it")
    p.set_defaults(func=run)
    return p


# --------------------------------------------------------------------------- helpers


def _fail(message: str) -> int:
    text = " ".join(str(message).split())
    print(f"stacklog: error: {text}", file=sys.stderr)
    return 1


def notebook_path() -> Path:
    """The notebook Voilà serves (package data next to this module)."""
    return Path(__file__).resolve().with_name("dashboard.ipynb")


def default_sources(cwd: str | os.PathLike | None = None) -> list[str]:
    """``data/sample`` of the current folder, else of the source checkout; [] if neither."""
    here = Path(cwd) if cwd is not None else Path.cwd()
    for base in (here, Path(__file__).resolve().parents[1]):
        sample = base / "data" / "sample"
        if sample.is_dir():
            return [str(sample)]
    return []


def missing_modules() -> list[str]:
    """The modules of the ``dashboard`` extra that cannot be imported."""
    return [m for m in ("voila", "ipykernel") if importlib.util.find_spec(m) is None]


def check_sources(sources: list[str]) -> str | None:
    """None when every source names at least one file, else the first problem as text."""
    from .load import _expand

    for src in sources:
        if os.pathsep in src:
            return f"{src}: a source may not contain {os.pathsep!r}"
        for _, reason in _expand([src]):
            if reason:
                return f"{src}: {reason}"
    return None


def known_time_zone(name: str) -> bool:
    """Whether the explorer understands ``name`` (as :func:`stacklog.plot_timeline` does)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.strip().upper() in ("UTC", "Z", "GMT"):
        return True
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def port_problem(port: int, host: str = HOST) -> str | None:
    """None when ``host:port`` can be listened on, else why not (as text)."""
    if not 1 <= port <= 65535:
        return f"--port must be between 1 and 65535, not {port}"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # The same option Tornado sets, so that a port in TIME_WAIT counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is in use (another dashboard?); "
                        "pick another with --port")
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def voila_command(notebook: str | os.PathLike, port: int) -> list[str]:
    """The command line that serves ``notebook`` on 127.0.0.1:``port`` and nowhere else."""
    return [
        sys.executable, "-m", "voila", os.fspath(notebook),
        "--no-browser",                       # the command opens it once it listens
        f"--port={port}",
        f"--Voila.ip={HOST}",                 # not "localhost", which also binds ::1
        "--Voila.port_retries=0",             # the printed address is the real one
        "--show_tracebacks=True",             # a local app: show kernel errors in the page
        "--KernelManager.transport=ipc",      # the kernel talks over Unix sockets, not TCP
    ]


def kernel_spec_dir(root: str | os.PathLike) -> Path:
    """Write a ``python3`` kernel spec that runs this interpreter into ``root/kernels``.

    ``root`` goes first on ``JUPYTER_PATH``, so the notebook's ``python3`` kernel is this
    environment's, whatever other ``python3`` spec the user has installed (one in
    ``~/.local/share/jupyter`` may point at an interpreter without stacklog).
    """
    spec = Path(root) / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (stacklog)",
        "language": "python",
        "metadata": {"debugger": False},
    }, indent=1), encoding="utf-8")
    return Path(root)


def server_env(sources: list[str], *, errors: str, tz: str, jupyter_dir: str | os.PathLike,
               workdir: str | os.PathLike) -> dict[str, str]:
    """The environment of the Voilà server, which its kernel inherits."""
    env = dict(os.environ)
    env[ENV_SOURCES] = os.pathsep.join(sources)
    env[ENV_ERRORS] = errors
    env[ENV_TZ] = tz
    env[ENV_WORKDIR] = os.fspath(workdir)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [os.fspath(jupyter_dir)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep)
                                    if p])
    # debugpy's warning about frozen modules would land on the kernel's stderr
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _listening(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> int:
    """Stop the server the way Voilà shuts its kernels down; kill it if it hangs."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.wait(timeout=1.0)  # Ctrl-C in a terminal reached the server too
        return proc.returncode
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGTERM)  # Voilà stops its loop and shuts its kernels down
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


class _Terminated(Exception):
    """SIGTERM received: stop like on Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated()


# --------------------------------------------------------------------------- the command


def run(args: argparse.Namespace) -> int:
    """Run ``stacklog dashboard``: serve until Ctrl-C; print one line and return 1 on error."""
    missing = missing_modules()
    if missing:
        return _fail(f"the dashboard needs {' and '.join(missing)}: {INSTALL_HINT}")
    notebook = notebook_path()
    if not notebook.is_file():
        return _fail(f"{notebook} is missing from the installed package; reinstall stacklog")

    workdir = Path.cwd()
    sources = list(args.sources) or default_sources(workdir)
    if not sources:
        return _fail("no SOURCE given and no data/sample folder here: name the job files, "
                     "folders or glob patterns to show")
    problem = check_sources(sources)
    if problem:
        return _fail(problem)
    sources = [os.path.abspath(s) for s in sources]  # the kernel runs elsewhere
    if not known_time_zone(args.tz):
        return _fail(f"--tz {args.tz}: unknown time zone; give an IANA name such as UTC or "
                     "Europe/Berlin")
    problem = port_problem(args.port)
    if problem:
        return _fail(problem)

    url = f"http://{HOST}:{args.port}/"
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    proc: subprocess.Popen | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="stacklog-dashboard-") as tmp:
            kernel_spec_dir(tmp)
            env = server_env(sources, errors=args.errors, tz=args.tz, jupyter_dir=tmp,
                             workdir=workdir)
            try:
                proc = subprocess.Popen(voila_command(notebook, args.port), env=env,
                                        stdin=subprocess.DEVNULL)
                deadline = time.monotonic() + START_TIMEOUT
                while not _listening(args.port):
                    if proc.poll() is not None:
                        return _fail(f"the dashboard server stopped with exit code "
                                     f"{proc.returncode} before it listened on {url} "
                                     "(see its messages above)")
                    if time.monotonic() > deadline:
                        _stop(proc)
                        return _fail(f"the dashboard server did not listen on {url} within "
                                     f"{START_TIMEOUT:.0f} s")
                    time.sleep(0.2)
                shown = ", ".join(os.path.relpath(s, workdir) if _under(s, workdir) else s
                                  for s in sources)
                print(f"stacklog dashboard of {shown} at {url}", flush=True)
                print("Press Ctrl-C to stop.", flush=True)
                if not args.no_browser:
                    _open_browser(url)
                rc = proc.wait()
                if rc != 0:
                    return _fail(f"the dashboard server stopped with exit code {rc}")
                return 0
            except (KeyboardInterrupt, _Terminated):
                if proc is not None:
                    print("stacklog dashboard: stopping the server...", file=sys.stderr,
                          flush=True)
                    try:
                        _stop(proc)
                    except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
                        proc.kill()
                        proc.wait()
                print("stacklog dashboard: stopped", file=sys.stderr, flush=True)
                return 0
            finally:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _under(path: str, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder)
        return True
    except ValueError:
        return False


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        webbrowser.open(url)
    except webbrowser.Error:
        pass
