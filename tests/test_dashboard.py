"""``stacklog dashboard``: the explorer served by Voilà, driven end to end in headless Chromium.

The browser test (marked ``browser``) starts the real command on a free port of 127.0.0.1,
opens the page in Debian's Chromium through Playwright (which never downloads a browser of
its own) and works the explorer as a person would: the job list, a FAILED job's timeline and
step table, the median comparison, the status filter and the CSV export. It fails on any error
in the browser console, in the page, in the kernel's messages or in the server's log, and
checks that Ctrl-C stops the server and its kernel.

``STACKLOG_UPDATE_SCREENSHOTS=1`` copies the screenshot it takes to docs/images/explorer.png.

The other tests here check the command without a browser.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from stacklog import _cli_dashboard as dash

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
DOCS_SCREENSHOT = ROOT / "docs" / "images" / "explorer.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Generous for a slow 2-core machine (the kernel alone takes 5-20 s to start and load the
# jobs), bounded all the same: the browser test as a whole is stopped after TEST_TIMEOUT.
SERVER_START_S = 90
FIRST_RENDER_S = 90
STEP_S = 45
SERVER_STOP_S = 30
TEST_TIMEOUT = 180


# --------------------------------------------------------------------------- the sample


def _sample_jobs() -> list[dict]:
    """Every job of data/sample, read straight from the JSON files (not through stacklog)."""
    jobs = []
    for path in sorted(SAMPLE.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        jobs.extend(data if isinstance(data, list) else [data])
    return jobs


def _last_message(job: dict) -> str:
    """The text of the job's last message by date (the later one in the file on a tie)."""
    messages = [(m.get("activityDate") or "", i, m.get("message") or "")
                for i, m in enumerate(job.get("messages") or [])]
    return " ".join(max(messages)[2].split())


def _status(job: dict) -> str:
    return str(job.get("status", "")).upper()


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stacklog_command() -> list[str]:
    """The installed ``stacklog`` script of this interpreter, else ``python -m stacklog``."""
    script = Path(sys.executable).with_name("stacklog")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "stacklog"]


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc), e.g. Voilà and its kernel."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _listeners(port: int) -> list[str]:
    """Addresses with a listening TCP socket on ``port`` (Linux /proc/net/tcp, tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                if len(addr) == 8:
                    found.append(socket.inet_ntop(socket.AF_INET,
                                                  bytes.fromhex(addr)[::-1]))
                else:
                    raw = bytes.fromhex(addr)
                    found.append(socket.inet_ntop(socket.AF_INET6, b"".join(
                        raw[i:i + 4][::-1] for i in range(0, 16, 4))))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Server:
    """``stacklog dashboard SOURCE --port N --no-browser`` in its own process group."""

    def __init__(self, tmp: Path, cwd: Path, sources: list[str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.cwd = cwd
        self.out_path = tmp / "server.out"
        self.err_path = tmp / "server.err"
        self._out = open(self.out_path, "w", encoding="utf-8")  # noqa: SIM115
        self._err = open(self.err_path, "w", encoding="utf-8")  # noqa: SIM115
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("BROWSER", None)
        self.proc = subprocess.Popen(
            _stacklog_command() + ["dashboard", *sources, "--port", str(self.port),
                                   "--no-browser"],
            cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._out,
            stderr=self._err, start_new_session=True)  # a group, as in a terminal

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float) -> None:
        """Wait until the command prints its address and the port answers."""
        deadline = time.monotonic() + timeout
        while not (self.url in self.stdout and _listening(self.port)):
            if self.proc.poll() is not None:
                pytest.fail(f"stacklog dashboard exited with {self.proc.returncode} before "
                            f"serving:\n{self.stdout}\n{self.stderr}")
            if time.monotonic() > deadline:
                pytest.fail(f"stacklog dashboard did not serve {self.url} within {timeout} s:"
                            f"\n{self.stdout}\n{self.stderr}")
            time.sleep(0.25)

    def interrupt(self, timeout: float) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the command's process group."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """Whatever is left of this server and its kernels (only these processes)."""
        leftovers = _descendants(self.proc.pid) if self.proc.poll() is None else set()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._out.close()
        self._err.close()


# --------------------------------------------------------------------------- the browser


def _kernel_message(payload: bytes | str) -> tuple[str, str, dict] | None:
    """(channel, msg_type, content) of a kernel websocket frame, both wire protocols."""
    try:
        if isinstance(payload, str):  # the JSON protocol
            msg = json.loads(payload)
            return msg.get("channel", ""), msg["header"]["msg_type"], msg.get("content", {})
        # v1.kernel.websocket.jupyter.org: n, then n offsets (the last is the end), then
        # channel, header, parent header, metadata, content, buffers
        n = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 * (i + 1): 8 * (i + 2)], "little")
                   for i in range(n)]
        parts = [payload[offsets[i]:offsets[i + 1]] for i in range(n - 1)]
        header = json.loads(parts[1])
        content = json.loads(parts[4]) if len(parts) > 4 else {}
        return parts[0].decode("utf-8", "replace"), header["msg_type"], content
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _plain(text: str) -> str:
    """``text`` without the terminal colour codes of IPython's tracebacks."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


class Watch:
    """Collects what goes wrong in the page: console errors, uncaught exceptions, kernel
    errors (tracebacks sent on the websocket, e.g. from a widget callback), requests that
    tried to leave 127.0.0.1 (blocked)."""

    def __init__(self, page, base_url: str):
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.kernel_errors: list[str] = []
        self.kernel_stderr: list[str] = []
        self.kernel_messages = 0
        self.sent: list[tuple] = []  # comm messages from the page: (time, type, id, target)
        self.blocked: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("websocket", self._websocket)
        page.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base_url):
            route.continue_()
        else:  # nothing may leave the machine
            self.blocked.append(url)
            route.abort()

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        # The Voilà page template links Font Awesome from a CDN (its own bundle also has
        # the icons): such requests are blocked above and listed in self.blocked.
        if msg.text.startswith("Failed to load resource") and where in self.blocked:
            return
        self.console_errors.append(f"{msg.text} ({where})")

    def _websocket(self, ws) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", self._frame)
            ws.on("framesent", self._sent)

    def _sent(self, payload) -> None:
        msg = _kernel_message(payload)
        if msg is not None and msg[1] in ("comm_open", "comm_msg", "comm_close"):
            self.sent.append((time.monotonic(), msg[1], msg[2].get("comm_id"),
                              msg[2].get("target_name")))

    def _frame(self, payload) -> None:
        msg = _kernel_message(payload)
        if msg is None:
            return
        _channel, msg_type, content = msg
        self.kernel_messages += 1
        if msg_type == "error":
            self.kernel_errors.append(_plain(
                f"{content.get('ename')}: {content.get('evalue')}\n"
                + "\n".join(content.get("traceback", []))))
        elif msg_type == "stream" and content.get("name") == "stderr":
            text = content.get("text", "")
            if "Traceback" in text or re.search(r"\w+Error\b", text):
                self.kernel_errors.append(_plain(text))
            else:
                self.kernel_stderr.append(text)

    def problems(self) -> list[str]:
        return ([f"console: {e}" for e in self.console_errors]
                + [f"page: {e}" for e in self.page_errors]
                + [f"kernel: {e}" for e in self.kernel_errors])


def _control_comm_race(text: str, sent: list[tuple]) -> bool:
    """ipykernel's "No such comm" for the ``jupyter.widget.control`` comm that the page opens
    to fetch the widgets' state and closes right after, while ipywidgets has already closed
    it on the kernel's side: a harmless race between Voilà's widget manager and ipywidgets."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines or not all(line.startswith("No such comm:") for line in lines):
        return False
    ids = {line.split(":", 1)[1].strip() for line in lines}
    control = {m[2] for m in sent if m[1] == "comm_open" and m[3] == "jupyter.widget.control"}
    closed = {m[2] for m in sent if m[1] == "comm_close"}
    return ids <= (control & closed)


def _labelled(page, kind: str, label: str):
    """The widget of class ``widget-<kind>`` whose description is exactly ``label``."""
    return page.locator(f".widget-{kind}").filter(
        has=page.locator("label.widget-label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))


def _wait_src_change(page, before: str | None, timeout_s: float) -> str:
    page.wait_for_function(
        """(before) => {
             const img = document.querySelector('.widget-output img');
             return img !== null && img.complete && img.naturalWidth > 0
                    && img.getAttribute('src') !== before;
           }""",
        arg=before, timeout=timeout_s * 1000)
    return page.locator(".widget-output img").get_attribute("src")


# --------------------------------------------------------------------------- the browser test


@pytest.mark.browser
@pytest.mark.timeout(TEST_TIMEOUT)
def test_dashboard_in_chromium(tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.skip("chromium not installed: apt-get install chromium")
    missing = [m for m in ("playwright", "voila", "ipykernel")
               if importlib.util.find_spec(m) is None]
    if missing:  # part of the test extra: a broken install, not a reason to skip
        pytest.fail(f"missing {', '.join(missing)}: pip install -e \".[test]\"")
    from playwright.sync_api import expect, sync_playwright

    jobs = _sample_jobs()
    failed = sorted((j for j in jobs if _status(j) == "FAILED"), key=lambda j: j["jobId"])
    assert len(jobs) == 240 and len(failed) == 22, "the sample changed: update this test"
    failed_ids = {int(j["jobId"]) for j in failed}
    job = failed[len(failed) // 2]
    job_id, last = int(job["jobId"]), _last_message(job)

    # The command runs in a folder of its own (exports to "reports/" would land there) and
    # is given the sample as a relative path, which it must hand to the kernel as absolute.
    cwd = tmp_path / "cwd"
    (cwd / "data").mkdir(parents=True)
    (cwd / "data" / "sample").symlink_to(SAMPLE, target_is_directory=True)
    server = Server(tmp_path, cwd, ["data/sample"])
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        server.wait_ready(SERVER_START_S)
        timings["server listening"] = time.monotonic() - t0
        if Path("/proc/net/tcp").exists():
            assert _listeners(server.port) == ["127.0.0.1"]
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                user_data_dir=str(tmp_path / "chromium-profile"),  # fresh, thrown away
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport={"width": 1280, "height": 1000}, accept_downloads=False)
            watch = None
            try:
                page = context.pages[0] if context.pages else context.new_page()
                watch = Watch(page, server.url)
                page.goto(server.url, timeout=FIRST_RENDER_S * 1000, wait_until="commit")

                # 1. the explorer renders once the kernel has run the notebook
                picker = page.locator(".widget-select select")
                picker.locator("option").first.wait_for(state="attached",
                                                        timeout=FIRST_RENDER_S * 1000)
                timings["explorer rendered"] = time.monotonic() - t0
                expect(page.locator("h1", has_text="stacklog explorer")).to_be_visible()
                expect(page.get_by_text(f"{len(jobs)} jobs from data/sample")).to_be_visible()
                assert picker.count() == 1
                # 2. with the default filters the picker lists every sample job
                expect(picker.locator("option")).to_have_count(len(jobs), timeout=STEP_S * 1000)
                expect(page.get_by_text(f"{len(jobs)} of {len(jobs)} jobs")).to_be_visible()
                img = page.locator(".widget-output img")
                img.wait_for(timeout=STEP_S * 1000)
                table = page.locator(".widget-html").filter(has=page.locator("table"))
                expect(table).to_have_count(1, timeout=STEP_S * 1000)
                first_src = img.get_attribute("src")
                assert first_src.startswith("data:image/png;base64,")

                # 3. pick a FAILED job: a new timeline, and the failed step in the table
                option = picker.locator("option").filter(
                    has_text=re.compile(rf"^\s*{job_id}\s+FAILED\s"))
                expect(option).to_have_count(1)
                picker.select_option(value=option.get_attribute("value"))
                failed_src = _wait_src_change(page, first_src, STEP_S)
                expect(table).to_contain_text(f"job {job_id}", timeout=STEP_S * 1000)
                expect(table).to_contain_text("FAILED")
                last_row = table.locator("tbody tr").last
                shown = " ".join(last_row.inner_text().split())
                assert last[:60] in shown, (
                    f"the failed step {last!r} is not the last row of job {job_id}'s table: "
                    f"{shown!r}")
                assert img.evaluate("i => i.naturalWidth") >= 400

                # 4. compare with median: the picture changes, the table gains a column
                page.get_by_role("checkbox", name="compare with median").check()
                _wait_src_change(page, failed_src, STEP_S)
                expect(table.locator("thead")).to_contain_text("median",
                                                               timeout=STEP_S * 1000)
                page.wait_for_timeout(300)  # let the image settle before the screenshot
                shot = tmp_path / "explorer.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                if os.environ.get("STACKLOG_UPDATE_SCREENSHOTS") == "1":
                    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, DOCS_SCREENSHOT)

                # 5. narrow the status filter: only the FAILED jobs are listed
                _labelled(page, "dropdown", "status").locator("select").select_option(
                    label="FAILED")
                expect(picker.locator("option")).to_have_count(len(failed),
                                                               timeout=STEP_S * 1000)
                expect(page.get_by_text(f"{len(failed)} of {len(jobs)} jobs")).to_be_visible()
                labels = picker.locator("option").all_inner_texts()
                listed = {int(t.split()[0]) for t in labels}
                assert listed == failed_ids
                expect(table).to_contain_text(f"job {job_id}")  # the pick still passes

                # 6. export the listed jobs into this test's folder
                export = tmp_path / "export"
                folder = _labelled(page, "text", "folder").locator("input")
                folder.fill(str(export))
                folder.press("Enter")
                page.get_by_role("button", name="Export CSV").click()
                status_line = page.locator(".widget-html").filter(
                    has_text=re.compile(r"wrote|export failed|nothing to export"))
                expect(status_line).to_be_visible(timeout=STEP_S * 1000)
                expect(status_line).to_contain_text(f"for {len(failed)} jobs")
                with open(export / "jobs.csv", newline="", encoding="utf-8") as fh:
                    rows = list(csv.DictReader(fh))
                assert len(rows) == len(failed)
                assert {int(r["job_id"]) for r in rows} == failed_ids
                assert {r["status"] for r in rows} == {"FAILED"}
                with open(export / "steps.csv", newline="", encoding="utf-8") as fh:
                    assert {int(r["job_id"]) for r in csv.DictReader(fh)} == failed_ids
                assert (export / "step_stats.csv").stat().st_size > 0
                assert not (server.cwd / "reports").exists()
                page.screenshot(path=str(tmp_path / "explorer-exported.png"), full_page=True)

                # 7. nothing went wrong in the page or the kernel
                page.wait_for_timeout(500)  # late console or kernel messages
                assert page.locator(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                    " .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
                ).count() == 0, page.locator(".jp-OutputArea").first.inner_text()
                assert "Traceback" not in page.locator("body").inner_text()
                assert watch.kernel_messages > 0, "the kernel websocket was not watched"
                assert watch.problems() == []
                for text in watch.kernel_stderr:
                    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}", text)
                    sent = [m for m in watch.sent if m[2] in ids]
                    if _control_comm_race(text, sent):
                        continue
                    warnings.warn(f"the kernel wrote to stderr: {text.strip()} "
                                  f"(page sent: {sent})", stacklevel=1)
                timings["browser steps done"] = time.monotonic() - t0
            finally:
                if watch is not None:  # shown when the test fails
                    print("problems in the page:", watch.problems() or "none")
                    print("requests blocked (not to 127.0.0.1):", watch.blocked or "none")
                context.close()

        # 8. Ctrl-C stops the server and its kernel, cleanly
        below = _descendants(server.proc.pid)
        assert below, "no Voilà process below stacklog dashboard"
        rc = server.interrupt(SERVER_STOP_S)
        timings["stopped"] = time.monotonic() - t0
        assert rc == 0, server.stderr
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in below if _alive(p)], "a server or kernel process outlived it"
        assert not _listening(server.port)
        log = server.stderr
        assert "Traceback" not in log, log
        bad = [line for line in log.splitlines() if re.search(r"\b(ERROR|CRITICAL)\b", line)]
        assert bad == [], log
        assert "stacklog dashboard: stopped" in log
    finally:
        server.kill()
        print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
        print(f"server log in {server.err_path}")


# --------------------------------------------------------------------------- no browser


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stacklog")
    dash.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["dashboard", *argv])


def test_arguments_and_defaults():
    args = _parse()
    assert (args.sources, args.port, args.no_browser, args.tz, args.errors) == \
        ([], 8866, False, "UTC", "raise")
    args = _parse("data/sample", "x/*.json", "--port", "9001", "--no-browser")
    assert args.sources == ["data/sample", "x/*.json"] and args.port == 9001
    assert args.no_browser and args.func is dash.run


def test_voila_listens_on_loopback_only_at_the_given_port():
    cmd = dash.voila_command("/x/dashboard.ipynb", 8123)
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8123" in cmd
    assert "--no-browser" in cmd and "--Voila.port_retries=0" in cmd


def test_missing_voila_is_one_line_with_the_install_command(monkeypatch, capsys):
    monkeypatch.setattr(dash, "missing_modules", lambda: ["voila"])
    assert dash.run(_parse("--no-browser")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'pip install "stacklog[dashboard]"' in err


def test_a_missing_source_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(dash, "missing_modules", list)
    assert dash.run(_parse(str(tmp_path / "nope"), "--no-browser")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err


def test_a_busy_port_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(dash, "missing_modules", list)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert dash.run(_parse(str(SAMPLE), "--port", str(port), "--no-browser")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port}" in err and "--port" in err
    assert dash.port_problem(0) and dash.port_problem(70000)


def test_default_sources_is_the_sample(tmp_path):
    assert dash.default_sources(ROOT) == [str(SAMPLE)]
    # elsewhere, the checkout's sample (an installed package has none: then [])
    assert dash.default_sources(tmp_path) in ([str(SAMPLE)], [])


def test_the_kernel_is_this_interpreter_and_gets_the_sources(tmp_path):
    dash.kernel_spec_dir(tmp_path)
    spec = json.loads((tmp_path / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    env = dash.server_env(["/a", "/b c"], errors="skip", tz="UTC", jupyter_dir=tmp_path,
                          workdir="/w")
    assert env[dash.ENV_SOURCES].split(os.pathsep) == ["/a", "/b c"]
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(tmp_path)
    assert (env[dash.ENV_ERRORS], env[dash.ENV_WORKDIR]) == ("skip", "/w")


def test_the_notebook_is_package_data_without_outputs():
    import nbformat

    nb = nbformat.read(dash.notebook_path(), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_the_notebook_runs_headless_on_the_given_sources(monkeypatch, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    two = sorted(SAMPLE.glob("*.json"))[:2]
    monkeypatch.setenv(dash.ENV_SOURCES, os.pathsep.join(str(p) for p in two))
    monkeypatch.setenv(dash.ENV_WORKDIR, str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this checkout's stacklog
    nb = nbformat.read(dash.notebook_path(), as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"
                or (o.output_type == "stream" and o.name == "stderr")]
    assert any("**2 jobs** from" in o.get("data", {}).get("text/markdown", "") for o in outputs)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs)
