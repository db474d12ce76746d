"""Many readers at once: app replicas behind nginx with sticky sessions, on one PostgreSQL.

    .venv/bin/python bench/replicas.py --postgres postgresql+psycopg://user@host/db
    .venv/bin/python bench/replicas.py --postgres ... --replicas 2 --browsers 16
    .venv/bin/python bench/replicas.py --observations 100000    # a synthetic folder, its own SQLite store

Starts ``--replicas`` Streamlit processes (each on one PostgreSQL store seeded from data/,
or on a synthetic data folder), nginx in front of them with the sticky-cookie configuration
of the README, and ``--browsers`` headless Chromium sessions that open the overview at the
same time through nginx (one Chromium, a session each). Prints one table: the time until a browser shows the overview's
indicators, the median and slowest of the crowd, as ratios to one browser alone on one
replica measured in the same run; then the same crowd on one replica behind nginx, which
is what the replicas add, with the CPU time the app replicas spent and the rest of the
machine (mostly Chromium drawing the pages: on one machine they share its cores). Checks what it times: every browser sees the overview, and every
request of a browser (page, scripts, websocket) reached one replica.

Needs nginx (``apt-get install nginx``; only its binary is used, as this user, on loopback)
and Chromium (``BROWSER_PATH`` or Debian's ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import drop_database, fresh_database  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOWN = "Indicators tracked"  # the overview's first metric: its tables are loaded and judged

# The README's configuration. nginx without commercial modules has no "sticky cookie", so
# the first response sets a random cookie and every later request (scripts, the websocket)
# is hashed on it to the same replica; browsers behind one address still spread out, which
# ip_hash would not do.
NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format sticky '$cookie_replica_key $lb_key $upstream_addr $request_uri';
    access_log {work}/access.log sticky;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    map $cookie_replica_key $lb_key {{ "" $request_id; default $cookie_replica_key; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream indicators {{
        hash $lb_key consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            add_header Set-Cookie "replica_key=$lb_key; Path=/; HttpOnly; SameSite=Lax" always;
            proxy_pass http://indicators;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 86400;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"not started; see {log}") from None
            time.sleep(0.3)


@contextmanager
def replica(log: Path, env: dict, seconds: float = 120):
    """The app on a free loopback port, its output in ``log``, until the block ends: the
    URL and the process id. (The browser tests start their apps with it too.)"""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, log, seconds)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # On a loaded machine shutdown can lag; the server must not outlive its user.
                process.kill()
                process.wait(timeout=10)


@contextmanager
def balancer(work: Path, nginx: str, upstreams: list[str]):
    port = free_port()
    folder = work / f"nginx-{port}"
    folder.mkdir()
    servers = "\n".join(f"        server {url.removeprefix('http://')};" for url in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=folder, servers=servers, port=port), encoding="utf-8")
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=open(folder / "stderr.log", "w"))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, folder / "stderr.log", seconds=30)
        yield url, folder / "access.log"
    finally:
        process.terminate()
        process.wait(timeout=30)


def open_overview(browser, url: str, timeout_s: float = 600) -> float:
    """Seconds from asking for the overview to its indicators on screen, in a new browser
    session (its own cookies: a new reader)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        started = time.perf_counter()
        page.goto(url)
        page.get_by_text(SHOWN).first.wait_for()
        return time.perf_counter() - started
    finally:
        context.close()


def crowd(chromium: str, url: str, browsers: int, timeout_s: float = 600) -> list[float]:
    """``browsers`` sessions (each its own cookies, as separate readers) opening the overview
    at the same moment, in one Chromium: one browser process per reader would spend the
    machine's cores on browsers rather than on the app."""
    import asyncio

    from playwright.async_api import async_playwright

    async def reader(browser) -> float:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = await context.new_page()
            page.set_default_timeout(timeout_s * 1000)
            started = time.perf_counter()
            await page.goto(url)
            await page.get_by_text(SHOWN).first.wait_for()
            return time.perf_counter() - started
        finally:
            await context.close()

    async def everyone() -> list[float]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
            try:
                return list(await asyncio.gather(*(reader(browser) for _ in range(browsers))))
            finally:
                await browser.close()

    return asyncio.run(everyone())


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its descendants so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while being read
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, family = 0, {pid}
    while True:
        grown = family | {child for child, (parent, _) in stats.items() if parent in family}
        if grown == family:
            break
        family = grown
    for member in family:
        total += stats.get(member, (0, 0))[1]
    return total / ticks


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy so far, over all cores (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and waiting for input or output
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def sticky_check(access_log: Path) -> dict[str, int]:
    """Every browser's requests reached one replica: requests are grouped by the key the
    balancer hashed (the cookie, or the first request's id that the cookie then carries).
    Returns the number of browser sessions per replica."""
    replicas_by_key = defaultdict(set)
    for line in access_log.read_text(encoding="utf-8").splitlines():
        _cookie, key, upstream, _uri = (line.split(" ", 3) + ["", "", "", ""])[:4]
        if upstream not in ("-", ""):
            replicas_by_key[key].add(upstream)
    mixed = {key: upstreams for key, upstreams in replicas_by_key.items() if len(upstreams) > 1}
    assert not mixed, f"sessions moved between replicas: {mixed}"
    sessions = defaultdict(int)
    for upstreams in replicas_by_key.values():
        sessions[next(iter(upstreams))] += 1
    return dict(sessions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--browsers", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("PG_TEST_URL"),
                        help="a PostgreSQL server; the replicas share a new database on it, seeded from data/")
    parser.add_argument("--observations", type=int, default=0,
                        help="read a synthetic folder of 1,000 indicators and this many observations instead")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    args = parser.parse_args()
    from indicators.images import chromium_path

    chromium = chromium_path()
    if not chromium or not Path(args.nginx).exists():
        sys.exit("needs Chromium (BROWSER_PATH) and nginx (apt-get install nginx)")
    if not args.observations and not args.postgres:
        sys.exit("give --postgres (one store for every replica) or --observations (a synthetic folder)")
    work = Path(tempfile.mkdtemp(prefix="replicas-"))
    # Proofs and validated folders are shared by the replicas, as on a shared volume.
    env = {"INDICATORS_PROOF_CACHE": str(work / "proofs.bin"),
           "STREAMLIT_SERVER_COOKIE_SECRET": "one-secret-for-every-replica-of-this-run"}
    database = None
    if args.observations:
        from bench.generate import generate

        folder = generate(work / "data", 1000, args.observations)
        env.update(INDICATORS_DATA_DIR=str(folder), INDICATORS_MAX_FILE_MB="2000")
        what = f"a synthetic folder of 1,000 indicators and {args.observations:,} observations"
    else:
        database = fresh_database(args.postgres)
        env["DATABASE_URL"] = database
        what = "the shipped data in one PostgreSQL store"
    try:
        with ExitStack() as stack:
            started = [stack.enter_context(replica(work / f"replica-{n}.log", env)) for n in range(args.replicas)]
            urls, pids = [url for url, _ in started], [pid for _, pid in started]
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
                for url in urls:  # each replica's first run loads and validates its tables
                    open_overview(browser, url)
                alone = statistics.median(open_overview(browser, urls[0]) for _ in range(5))
                browser.close()
            rows = []
            for upstreams, label in ((urls[:1], "1 replica"), (urls, f"{len(urls)} replicas")):
                url, access_log = stack.enter_context(balancer(work, args.nginx, upstreams))
                app_before, machine_before = sum(map(cpu_seconds, pids)), machine_cpu_seconds()
                times = crowd(chromium, url, args.browsers)
                app_cpu = sum(map(cpu_seconds, pids)) - app_before
                # The rest is mostly Chromium drawing the pages (PostgreSQL and nginx take little).
                others_cpu = machine_cpu_seconds() - machine_before - app_cpu
                sessions = sticky_check(access_log)
                assert sum(sessions.values()) >= args.browsers, sessions
                rows.append((label, times, sessions, app_cpu, others_cpu))
        print(f"\n{args.browsers} browsers opening the overview at once, through nginx (sticky cookie), "
              f"on {what}; one browser alone on one replica: {alone:.2f} s\n")
        print("| behind nginx | median | ratio | slowest | ratio | sessions per replica | CPU: app | CPU: the rest |")
        print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
        for label, times, sessions, app_cpu, others_cpu in rows:
            median, slowest = statistics.median(times), max(times)
            print(f"| {label} | {median:.2f} s | {median / alone:.1f}x | {slowest:.2f} s | {slowest / alone:.1f}x | "
                  f"{', '.join(str(n) for n in sorted(sessions.values(), reverse=True))} | {app_cpu:.1f} s | "
                  f"{others_cpu:.1f} s |")
    finally:
        if database:
            drop_database(args.postgres, database)


if __name__ == "__main__":
    main()
