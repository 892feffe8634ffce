from tests.conftest import HX


def test_login_page_renders(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert "Ingresar" in resp.get_data(as_text=True)
    assert resp.headers["X-Request-ID"]


def test_request_id_is_echoed(client):
    resp = client.get("/login", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"


def test_admin_lands_on_panel(admin_client):
    resp = admin_client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/admin/panel")
    page = admin_client.get("/admin/panel")
    assert page.status_code == 200
    assert "Sorteos de hoy" in page.get_data(as_text=True)


def test_anonymous_htmx_gets_401_with_redirect(client):
    resp = client.get("/admin/panel", headers=HX)
    assert resp.status_code == 401
    assert "/login" in resp.headers["HX-Redirect"]


def test_vendedor_menu_hides_premios_when_banca_disallows(login, org, session):
    org.banca.settings = {**(org.banca.settings or {}), "vendedor_can_pay": False}
    session.commit()
    page = login(org.vendedor).get("/mi-cuenta").get_data(as_text=True)
    assert 'href="/premios"' not in page
    org.banca.settings = {**org.banca.settings, "vendedor_can_pay": True}
    session.commit()
    page = login(org.vendedor).get("/mi-cuenta").get_data(as_text=True)
    assert 'href="/premios"' in page
