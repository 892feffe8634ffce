"""Browser tests: Playwright driving Debian's headless Chromium (TOOLING §1) against a live
server thread.

The app behind the live server has a database of its own (a fresh SQLite file, or a fresh
PostgreSQL schema when DATABASE_URL points at PostgreSQL), real CSRF tokens and no rate limits.
Data is committed through the demo seed and the pages themselves; the rollback `session`
fixture is refused here, because the server thread would never see its rows.

Every test under tests/e2e/ is marked `e2e` (`make test` skips them, `make e2e` runs them).
"""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
import werkzeug.serving

from tests.conftest import make_test_app

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must exist before `-m "not e2e"` deselects.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# ------------------------------------------------------------------------------ browser

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options: Debian's Chromium, headless (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or `make e2e`, which does it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "es-CR", "timezone_id": "America/Costa_Rica",
            "viewport": {"width": 1280, "height": 900}}


# ------------------------------------------------------------------------------ app + server

@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    """A TestConfig app on its own database, with CSRF on (real browser, real tokens)."""
    app, cleanup = make_test_app(tmp_path_factory, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    yield app
    cleanup()


@pytest.fixture(scope="session")
def app(e2e_app):
    """Shadows tests/conftest.py's `app` here, so nothing in tests/e2e touches the shared one."""
    return e2e_app


@pytest.fixture
def session():
    pytest.fail("browser tests commit through services and pages; the rollback `session` fixture "
                "is invisible to the live server thread")


@pytest.fixture(scope="session")
def live_server(e2e_app):
    srv = werkzeug.serving.make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-base-url's fixture: lets tests write page.goto("/login")."""
    return live_server


# ------------------------------------------------------------------------------ data + login

@dataclass(frozen=True)
class DemoLogins:
    password: str
    admin: str
    ventana: str
    vendedor: str
    by_role: dict  # role → [usernames]
    banca_id: str


@pytest.fixture(scope="session")
def demo(e2e_app) -> DemoLogins:
    """The demo banca, seeded by the real `flask seed-demo` command (org + every domain seed that
    exists), committed to the e2e database. Returns the demo logins."""
    from app.db import unit_of_work
    from app.org.seed import DEMO_PASSWORD, seed_org

    result = e2e_app.test_cli_runner().invoke(args=["seed-demo", "--quiet"])
    if result.exit_code != 0:
        trace = "".join(traceback.format_exception(result.exception)) if result.exception else ""
        pytest.fail(f"flask seed-demo failed (exit {result.exit_code}):\n{result.output}{trace}", pytrace=False)
    with e2e_app.app_context():
        with unit_of_work() as session:  # idempotent: returns the rows seeded above
            seeded = seed_org(session)
            logins, banca_id = list(seeded.logins), str(seeded.banca.id)
    by_role: dict[str, list[str]] = {}
    for role, username in logins:
        by_role.setdefault(role, []).append(username)
    return DemoLogins(password=DEMO_PASSWORD, admin=by_role["ADMIN"][0], ventana=by_role["VENTANA"][0],
                      vendedor=by_role["VENDEDOR"][0], by_role=by_role, banca_id=banca_id)


def _login_as(page, username: str, password: str) -> None:
    page.goto("/login")
    form = page.locator("#login-form")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(password)
    with page.expect_navigation():
        form.get_by_role("button", name="Ingresar").click()


@pytest.fixture
def login_as(demo):
    """login_as(page, username, password=demo password): submits the real login form."""
    def _login(page, username: str, password: str | None = None):
        _login_as(page, username, password or demo.password)
        return page
    return _login


@pytest.fixture
def home_path(e2e_app):
    """Each role's landing page (UX §1); the vendedor's is the sales page once it exists."""
    def _home(role: str) -> str:
        if role == "ADMIN":
            return "/admin/panel"
        if role == "VENTANA":
            return "/panel"
        if "sales.sale_page" in e2e_app.view_functions:
            from flask import url_for
            with e2e_app.test_request_context():
                return url_for("sales.sale_page")
        return "/mi-dia"
    return _home
