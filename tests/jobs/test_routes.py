"""Trabajos page (UX §6): health, next run, flags, "Ejecutar ahora" ignoring the flag; ADMIN only."""
from datetime import timedelta

from sqlalchemy import select

from app.audit.models import ActivityLog
from app.draws.models import Sorteo
from app.jobs.models import JobState
from app.tz import utcnow
from tests.conftest import HX
from tests.factories.draws import TICA_RULES, LoteriaFactory


def body(resp):
    return resp.get_data(as_text=True)


def test_only_admin(ventana_client, vendedor_client):
    for client in (ventana_client, vendedor_client):
        assert client.get("/trabajos").status_code == 403
        assert client.post("/trabajos/create_sorteos/ejecutar").status_code == 403


def test_page_lists_periodic_jobs_with_health(session, admin_client):
    session.add(JobState(name="sorteo_sweeper", enabled=True, last_run_at=utcnow() - timedelta(minutes=5),
                         last_result="ok", last_message="Sin cambios"))
    session.add(JobState(name="create_sorteos", enabled=True, last_run_at=utcnow() - timedelta(hours=1),
                         last_result="ok", last_message="3 sorteos creados", last_count=3))
    session.commit()
    page = admin_client.get("/trabajos")
    text = body(page)
    assert page.status_code == 200 and "<h1>Trabajos</h1>" in text
    assert "Crear sorteos" in text and "Abrir sorteos" in text and "Cerrar sorteos (barrido por minuto)" in text
    assert "3 sorteos creados" in text and "Al día" in text and "Atrasado" in text  # sweeper: 2-minute window
    assert "Cada 1 min" in text and "Diario a la 1:00 a. m." in text
    frag = admin_client.get("/trabajos", headers={**HX, "X-Poll": "1"})
    assert frag.status_code == 200 and 'id="trabajos"' in body(frag) and "<html" not in body(frag)


def test_toggle_is_audited(session, admin_client):
    resp = admin_client.post("/trabajos/create_sorteos/desactivar", headers=HX)
    assert resp.status_code == 200 and resp.headers["HX-Redirect"] == "/trabajos"
    assert session.get(JobState, "create_sorteos").enabled is False
    assert "Desactivado" in body(admin_client.get("/trabajos"))
    assert session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_CONFIG_UPDATE")).first()
    assert admin_client.post("/trabajos/create_sorteos/activar").status_code == 303
    assert session.get(JobState, "create_sorteos").enabled is True
    assert admin_client.post("/trabajos/nada/activar").status_code == 404


def test_run_now_ignores_the_flag(session, org, admin_client, rq_queue):
    lot = LoteriaFactory(banca=org.banca, name="DIARIA", rules={**TICA_RULES, "draw_schedules": [
        {"frequency": "diario", "times": ["23:59"]}], "days_ahead": 2})
    session.add(JobState(name="create_sorteos", enabled=False))
    session.commit()
    resp = admin_client.post("/trabajos/create_sorteos/ejecutar", headers=HX)
    assert resp.status_code == 200
    # Today's 23:59 (unless it already passed) and tomorrow's.
    assert len(session.scalars(select(Sorteo).where(Sorteo.loteria_id == lot.id)).all()) >= 1
    manual = session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_RUN",
                                                       ActivityLog.user_id == org.admin.id)).all()
    assert manual and manual[0].details["manual"] is True


def test_run_now_inline_without_redis(session, org, admin_client, embedded):
    resp = admin_client.post("/trabajos/sorteo_sweeper/ejecutar")
    assert resp.status_code == 303
    assert session.get(JobState, "sorteo_sweeper").last_result == "ok"


def test_open_time_setting(session, admin_client):
    bad = admin_client.post("/trabajos/apertura", data={"open_time": "25:00"}, headers=HX)
    assert bad.status_code == 422 and 'id="form-apertura"' in body(bad)
    ok = admin_client.post("/trabajos/apertura", data={"open_time": "05:15"})
    assert ok.status_code == 303
    assert session.get(JobState, "open_sorteos").settings["open_time"] == "05:15"
    assert "Diario a las 5:15 a. m." in body(admin_client.get("/trabajos"))
