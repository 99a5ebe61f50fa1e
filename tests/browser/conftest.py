"""The web client in a real browser: Playwright driving Debian's Chromium
against the system started as `make up` starts it (`services.embedded`), once
per session, in a temporary data folder on free ports.

Every page a test opens is checked with axe-core (serious and critical
violations fail) and for Content-Security-Policy violations; screenshots of
the main screens go to build/screenshots/ at desktop and phone sizes.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from services.common.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "build/tools/node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / "build/screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=ru-RU"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "Браузерный-тест-2026"



def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    url: str
    password: str
    log: Path
    ports: dict[str, int]


@pytest.fixture(scope="package")  # stopped after the last browser test, not idling through the rest
def stack(tmp_path_factory):
    """`make up` in a temporary data folder: five services and the gateway, the demo district seeded."""
    if not CHROMIUM.exists() or not AXE.exists():
        pytest.skip("browser tests need /usr/bin/chromium and axe-core: run them through `make test`")
    base = tmp_path_factory.mktemp("browser-stack")
    ports = {name: _free_port() for name in (*SERVICES, "gateway")}
    env = {key: value for key, value in os.environ.items() if not key.startswith("EZH_")}
    env.update(
        EZH_DATA_DIR=str(base / "data"),
        EZH_DEMO_PASSWORD=DEMO_PASSWORD,
        EZH_GATEWAY_BIND=f"127.0.0.1:{ports['gateway']}",
        EZH_BUS_POLLING_INTERVAL_SECONDS="0.1",
        EZH_SHUTDOWN_GRACE_SECONDS="1",
        **{f"EZH_{service.upper()}_GRPC_ADDRESS": f"127.0.0.1:{ports[service]}" for service in SERVICES},
    )
    log_path = base / "stack.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.embedded"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{ports['gateway']}"
    try:
        deadline = time.monotonic() + 150
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the stack stopped:\n{log_path.read_text()[-4000:]}")
            try:
                if requests.get(f"{url}/readyz", timeout=3).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the stack did not get ready:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield Stack(url=url, password=DEMO_PASSWORD, log=log_path, ports=ports)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="package")  # stopped after the last browser test, not idling through the rest
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Client:
    """One browser context (its own cookies and storage) with the checks every page gets."""

    def __init__(self, browser, stack: Stack, viewport: dict) -> None:
        self.stack = stack
        self.context = browser.new_context(base_url=stack.url, viewport=viewport, locale="ru-RU",
                                           timezone_id="Europe/Moscow")
        self.context.set_default_timeout(20_000)  # the machine is shared: slow is not broken
        self.page = self.context.new_page()
        self.csp_violations: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def open(self, path: str = "/") -> None:
        self.page.goto(path)

    def sign_in(self, login: str, password: str | None = None) -> None:
        page = self.page
        if not page.url.startswith(self.stack.url):
            page.goto("/")
        form = page.locator("#sign-in-form")
        form.get_by_label("Логин").fill(login)
        form.get_by_label("Пароль", exact=True).fill(password or self.stack.password)
        form.get_by_role("button", name="Войти").click()
        page.get_by_role("button", name="Выйти").wait_for()

    def check_accessibility(self) -> None:
        """axe-core on the page as it is now: no serious or critical violations."""
        page = self.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                               ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                               " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))")
        bad = [violation for violation in result if violation["impact"] in ("serious", "critical")]
        assert not bad, f"accessibility violations on {page.url}: {bad}"
        # A repeated id points a label at the wrong control.
        repeated = page.evaluate("() => { const seen = new Set(), twice = new Set();"
                                 " for (const node of document.querySelectorAll('[id]')) {"
                                 " if (seen.has(node.id)) twice.add(node.id); seen.add(node.id); }"
                                 " return [...twice]; }")
        assert not repeated, f"ids used twice on {page.url}: {repeated}"

    def screenshot(self, name: str) -> None:
        """The screen at desktop and phone sizes, into build/screenshots/."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        size = page.viewport_size
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
        page.set_viewport_size(size)

    def close(self) -> None:
        self.context.close()
        assert not self.csp_violations, self.csp_violations
        assert not self.errors, self.errors


@pytest.fixture
def client_factory(browser, stack):
    made: list[Client] = []

    def make(viewport: dict | None = None) -> Client:
        client = Client(browser, stack, viewport or DESKTOP)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(client_factory) -> Client:
    return client_factory()
