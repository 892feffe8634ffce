"""Demo organisation: one banca, two ventanas, six vendedores, one user per role (idempotent)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.services import make_user
from app.org.models import Banca, ConfigVersion, Ventana

DEMO_PASSWORD = "demo12345"


@dataclass
class Demo:
    banca: Banca
    ventanas: list[Ventana]
    vendedores: list[User]
    admin: User
    listeros: list[User]
    logins: list[tuple[str, str]] = field(default_factory=list)


def _user(session, username, **kw) -> User:
    existing = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    return existing or make_user(session, username=username, password=DEMO_PASSWORD, **kw)


def seed_org(session) -> Demo:
    banca = session.scalar(select(Banca).where(Banca.code == "DEMO"))
    if banca is None:
        banca = Banca(name="Banca La Suerte", code="DEMO", phone="22223333", email="info@lasuerte.cr",
                      address="Avenida Central, San José", max_sessions_per_vendedor=2,
                      settings={"ventana_label": "Ventana", "vendedor_can_pay": True, "reprint_enabled": True,
                                "default_paper_width_mm": 80, "receipt_header": "BANCA LA SUERTE",
                                "receipt_footer": "Revise su tiquete. Premios se pagan con tiquete original.",
                                "idle_timeout_minutes": 60})
        session.add(banca)
        session.flush()
        session.add(ConfigVersion(banca_id=banca.id, version=1))
    ventanas = []
    for code, name, phone in (("CENTRO", "Ventana Centro", "22581010"), ("NORTE", "Ventana Norte", "24402020")):
        v = session.scalar(select(Ventana).where(Ventana.code == code))
        if v is None:
            v = Ventana(banca_id=banca.id, name=name, code=code, phone=phone, print_name=name.upper(),
                        print_phone=phone, paper_width_mm=80, auto_print=False)
            session.add(v)
            session.flush()
        ventanas.append(v)
    admin = _user(session, "admin", name="Administradora General", role=Role.ADMIN, banca_id=banca.id)
    listeros = [
        _user(session, "centro", name="Luis Mora (listero Centro)", role=Role.VENTANA, banca_id=banca.id,
              ventana_id=ventanas[0].id),
        _user(session, "norte", name="Ana Solís (listera Norte)", role=Role.VENTANA, banca_id=banca.id,
              ventana_id=ventanas[1].id),
    ]
    names = [("vend1", "Carlos Jiménez", "V01", 0), ("vend2", "María Vargas", "V02", 0),
             ("vend3", "José Rojas", "V03", 0), ("vend4", "Sofía Castro", "V04", 1),
             ("vend5", "Diego Araya", "V05", 1), ("vend6", "Laura Chaves", "V06", 1)]
    vendedores = [_user(session, u, name=n, role=Role.VENDEDOR, banca_id=banca.id,
                        ventana_id=ventanas[i].id, code=c) for u, n, c, i in names]
    session.flush()
    logins = [("ADMIN", "admin"), ("VENTANA", "centro"), ("VENTANA", "norte")] + \
             [("VENDEDOR", v.username) for v in vendedores]
    return Demo(banca=banca, ventanas=ventanas, vendedores=vendedores, admin=admin, listeros=listeros,
                logins=logins)
