"""Role × route matrix (DOMAIN §3, §24 case 23): every rule of app.url_map, every method, every role.

How it works
- MATRIX has one entry per (endpoint, METHOD): the expected answer for (anonymous, VENDEDOR,
  VENTANA, ADMIN). LOGIN means "302 to /login" (and 401 + HX-Redirect for an HTMX request).
  Numbers are HTTP statuses. A POST is sent with an empty form unless DATA says otherwise, so an
  allowed role typically gets 422 (validation) or 303 (done) — both prove it got past the
  permission check; 403 proves it did not.
- URL arguments come from ARGS (endpoint → callable(world) → kwargs for url_for). The `world`
  fixture builds real objects of a fixture org: the VENDEDOR is `org.vendedor`, the VENTANA user
  is `org.listero` (same ventana), the ADMIN has `org.banca` selected. Objects are owned by that
  vendedor / ventana / banca, so "own" objects are used; IDOR (other ventana / vendedor) is
  checked in test_idor_* below. A missing ARGS entry for a route with arguments uses a random
  UUID (expect 404 for roles that pass the permission check).
- Each role's request runs inside a database savepoint rolled back afterwards, so a POST by one
  role never changes what the next role sees.
- test_every_route_is_in_the_matrix fails when a route is added without an entry (or an entry
  names a route that no longer exists) and prints the lines to paste.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from flask import url_for

from app.extensions import db
from tests.conftest import HX, login_client

LOGIN = "login"
ROLES = ("anon", "VENDEDOR", "VENTANA", "ADMIN")
DUMMY = uuid.UUID("00000000-0000-4000-8000-000000000000")


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """Real objects of the fixture org, created on first use."""

    session: object
    org: object

    @cached_property
    def draw(self):
        from tests.factories.draws import draw_setup
        return draw_setup(self.org.banca)

    def _sell(self, vendedor, draw=None):
        from app.sales import services
        from app.sales.schemas import LineInput
        from app.scope import scope_for_user
        result = services.sell_ticket(
            self.session, scope=scope_for_user(vendedor), actor=vendedor, vendedor_id=vendedor.id,
            sorteo_id=(draw or self.draw).sorteo.id, cliente_nombre=None,
            idempotency_key="k-" + secrets.token_hex(8),
            lines=[LineInput(type="NUMERO", number="15", amount=Decimal("1000"),
                             multiplier_id=(draw or self.draw).m90.id)])
        return result.ticket

    @cached_property
    def ticket(self):
        return self._sell(self.org.vendedor)

    @cached_property
    def other_ticket(self):
        return self._sell(self.org.other_vendedor)

    @cached_property
    def colleague_ticket(self):
        """Sold by org.vendedor2: same ventana as the VENTANA user, not the VENDEDOR's."""
        return self._sell(self.org.vendedor2)

    @cached_property
    def foreign(self):
        """Another banca with its own ventana, vendedor, lotería/sorteo and a ticket."""
        from tests.factories.draws import draw_setup
        from tests.factories.org import BancaFactory, VentanaFactory, vendedor
        banca = BancaFactory()
        ventana = VentanaFactory(banca=banca)
        seller = vendedor(ventana)
        draw = draw_setup(banca)
        return {"banca": banca, "ventana": ventana, "vendedor": seller, "draw": draw,
                "ticket": self._sell(seller, draw)}

    def _payment(self, ticket, paid_by):
        from app.sales.models import PaymentMethod, TicketPayment
        from app.tz import utcnow
        row = TicketPayment(ticket_id=ticket.id, amount=Decimal("1000"), method=PaymentMethod.cash,
                            paid_by=paid_by.id, paid_at=utcnow(), idempotency_key="p-" + secrets.token_hex(8),
                            idempotency_hash="0" * 64)
        self.session.add(row)
        self.session.flush()
        return row

    @cached_property
    def other_payment(self):
        return self._payment(self.other_ticket, self.org.other_vendedor)

    @cached_property
    def payment(self):
        return self._payment(self.ticket, self.org.vendedor)

    @cached_property
    def rule(self):
        from app.restrictions.models import RestrictionRule
        row = RestrictionRule(banca_id=self.org.banca.id, number="13", max_total=Decimal("5000"))
        self.session.add(row)
        self.session.flush()
        return row

    @cached_property
    def third_party_session(self):
        """A live session of org.vendedor2 (neither the VENDEDOR nor the VENTANA user tested)."""
        from app.auth.models import LoginSession
        from app.tz import utcnow
        now = utcnow()
        row = LoginSession(user_id=self.org.vendedor2.id, banca_id=self.org.banca.id,
                           token_id=secrets.token_urlsafe(24), device_id="otro", last_used_at=now,
                           expires_at=now + timedelta(days=1))
        self.session.add(row)
        self.session.flush()
        return row


# --------------------------------------------------------------------------- URL arguments

ARGS = {
    # org
    "org.banca_edit": lambda w: {"banca_id": w.org.banca.id},
    "org.banca_settings": lambda w: {"banca_id": w.org.banca.id},
    "org.banca_deactivate": lambda w: {"banca_id": w.org.banca.id},
    "org.banca_restore": lambda w: {"banca_id": w.org.banca.id},
    "org.banca_ventanas": lambda w: {"banca_id": w.org.banca.id},
    "org.ventana_edit": lambda w: {"ventana_id": w.org.ventana.id},
    "org.ventana_deactivate": lambda w: {"ventana_id": w.org.ventana.id},
    "org.ventana_restore": lambda w: {"ventana_id": w.org.ventana.id},
    "org.user_edit": lambda w: {"user_id": w.org.vendedor.id},
    "org.user_password": lambda w: {"user_id": w.org.vendedor.id},
    "org.user_deactivate": lambda w: {"user_id": w.org.vendedor.id},
    "org.user_restore": lambda w: {"user_id": w.org.vendedor.id},
    "org.user_print": lambda w: {"user_id": w.org.vendedor.id},
    "org.print_preview": lambda w: {"user_id": w.org.vendedor.id},
    # commissions
    "commissions.banca_policy": lambda w: {"entity_id": w.org.banca.id},
    "commissions.ventana_policy": lambda w: {"entity_id": w.org.ventana.id},
    "commissions.user_policy": lambda w: {"entity_id": w.org.vendedor.id},
    # auth
    "auth.session_revoke": lambda w: {"session_id": w.third_party_session.id},
    "auth.admin_session_revoke": lambda w: {"session_id": w.third_party_session.id},
    # draws
    "draws.loteria_edit": lambda w: {"loteria_id": w.draw.loteria.id},
    "draws.loteria_deactivate": lambda w: {"loteria_id": w.draw.loteria.id},
    "draws.loteria_reactivate": lambda w: {"loteria_id": w.draw.loteria.id},
    "draws.multiplier_edit": lambda w: {"multiplier_id": w.draw.m85.id},
    "draws.multiplier_toggle": lambda w: {"multiplier_id": w.draw.m85.id, "accion": "desactivar"},
    "draws.sorteo_detail": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_open": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_cancel": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_close": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_edit": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.evaluation_status": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_evaluate": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.evaluation_confirm": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.evaluation_preview": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_reopen": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_reactivate": lambda w: {"sorteo_id": w.draw.sorteo.id},
    "draws.sorteo_revert": lambda w: {"sorteo_id": w.draw.sorteo.id},
    # restrictions
    "restrictions.rule_edit": lambda w: {"rule_id": w.rule.id},
    "restrictions.rule_delete": lambda w: {"rule_id": w.rule.id},
    "restrictions.rule_restore": lambda w: {"rule_id": w.rule.id},
    # sales
    "sales.ticket_detail": lambda w: {"ticket_id": w.ticket.id},
    "sales.ticket_cancel": lambda w: {"ticket_id": w.ticket.id},
    "sales.ticket_print": lambda w: {"ticket_id": w.ticket.id},
    "sales.ticket_receipt": lambda w: {"ticket_id": w.ticket.id},
    "sales.ticket_restore": lambda w: {"ticket_id": w.ticket.id},
    "sales.ticket_whatsapp": lambda w: {"ticket_id": w.ticket.id},
    "sales.payment_reverse": lambda w: {"ticket_id": w.ticket.id},
    "sales.prize_pay": lambda w: {"ticket_id": w.ticket.id},
    "sales.prize_finalize": lambda w: {"ticket_id": w.ticket.id},
    "sales.payment_voucher": lambda w: {"payment_id": w.payment.id},
    # jobs ("ejecutar" on an unknown job: running a real one would enqueue it on a real Redis)
    "jobs.job_toggle": lambda w: {"name": "sorteo_sweeper", "accion": "desactivar"},
    "jobs.job_run": lambda w: {"name": "no-existe"},
}

# Form bodies for POSTs whose empty form would not reach the permission-relevant code path.
DATA: dict[str, object] = {}

# Routes that send anonymous users to /login with a plain redirect (no 401 + HX-Redirect contract).
PLAIN_LOGIN_REDIRECT = {"dashboard.index"}


# --------------------------------------------------------------------------- the matrix
# (anonymous, VENDEDOR, VENTANA, ADMIN)

ANY_REFUSAL = frozenset({409, 422})  # past the permission check, refused by the business rules

MATRIX: dict[tuple[str, str], tuple] = {
    # audit
    ("audit.log_list", "GET"): (LOGIN, 403, 403, 200),
    # auth
    ("auth.login", "GET"): (200, 302, 302, 302),
    ("auth.login", "POST"): (422, 422, 422, 422),
    ("auth.logout", "POST"): (303, 303, 303, 303),
    ("auth.account", "GET"): (LOGIN, 200, 200, 200),
    ("auth.password_change", "POST"): (LOGIN, 422, 422, 422),
    ("auth.theme_update", "POST"): (LOGIN, 303, 303, 303),
    ("auth.session_revoke", "POST"): (LOGIN, 403, 403, 303),  # someone else's session
    ("auth.sessions_revoke_all", "POST"): (LOGIN, 303, 303, 303),
    ("auth.admin_sessions", "GET"): (LOGIN, 403, 403, 200),
    ("auth.admin_session_revoke", "POST"): (LOGIN, 403, 403, 303),
    ("auth.select_banca", "POST"): (LOGIN, 403, 403, 422),
    # commissions (§3: VENDEDOR reads his own; VENTANA its vendedores', reads its own ventana's)
    ("commissions.index", "GET"): (LOGIN, 302, 200, 200),
    ("commissions.banca_policy", "GET"): (LOGIN, 403, 403, 200),
    ("commissions.banca_policy", "POST"): (LOGIN, 403, 403, 422),
    ("commissions.ventana_policy", "GET"): (LOGIN, 403, 200, 200),
    ("commissions.ventana_policy", "POST"): (LOGIN, 403, 403, 422),
    ("commissions.user_policy", "GET"): (LOGIN, 200, 200, 200),
    ("commissions.user_policy", "POST"): (LOGIN, 403, 422, 422),
    # dashboard (homes per role, UX §1)
    ("dashboard.index", "GET"): (LOGIN, 302, 302, 302),
    ("dashboard.admin_home", "GET"): (LOGIN, 403, 403, 200),
    ("dashboard.ventana_home", "GET"): (LOGIN, 403, 200, 403),
    ("dashboard.mi_dia", "GET"): (LOGIN, 200, 403, 403),
    # draws (§3: catalogue and sorteos read by all, written by ADMIN)
    ("draws.loteria_list", "GET"): (LOGIN, 200, 200, 200),
    ("draws.loteria_create", "GET"): (LOGIN, 403, 403, 200),
    ("draws.loteria_create", "POST"): (LOGIN, 403, 403, 422),
    ("draws.loteria_edit", "GET"): (LOGIN, 403, 403, 200),
    ("draws.loteria_edit", "POST"): (LOGIN, 403, 403, 422),
    ("draws.loteria_deactivate", "POST"): (LOGIN, 403, 403, 303),
    ("draws.loteria_reactivate", "POST"): (LOGIN, 403, 403, 409),  # already active
    ("draws.multiplier_list", "GET"): (LOGIN, 200, 200, 200),
    ("draws.multiplier_create", "GET"): (LOGIN, 403, 403, 200),
    ("draws.multiplier_create", "POST"): (LOGIN, 403, 403, 422),
    ("draws.multiplier_edit", "GET"): (LOGIN, 403, 403, 200),
    ("draws.multiplier_edit", "POST"): (LOGIN, 403, 403, 422),
    ("draws.multiplier_toggle", "POST"): (LOGIN, 403, 403, 303),
    ("draws.sorteo_list", "GET"): (LOGIN, 200, 200, 200),
    ("draws.sorteo_detail", "GET"): (LOGIN, 200, 200, 200),
    ("draws.sorteo_create", "GET"): (LOGIN, 403, 403, 200),
    ("draws.sorteo_create", "POST"): (LOGIN, 403, 403, 422),
    ("draws.sorteo_generate", "GET"): (LOGIN, 403, 403, 200),
    ("draws.sorteo_generate", "POST"): (LOGIN, 403, 403, 422),
    ("draws.sorteo_edit", "GET"): (LOGIN, 403, 403, 200),
    ("draws.sorteo_edit", "POST"): (LOGIN, 403, 403, 422),
    ("draws.sorteo_open", "POST"): (LOGIN, 403, 403, 409),  # already OPEN
    ("draws.sorteo_close", "POST"): (LOGIN, 403, 403, 303),
    ("draws.sorteo_cancel", "POST"): (LOGIN, 403, 403, 303),
    ("draws.sorteo_reopen", "POST"): (LOGIN, 403, 403, ANY_REFUSAL),
    ("draws.sorteo_reactivate", "POST"): (LOGIN, 403, 403, 409),
    ("draws.sorteo_revert", "POST"): (LOGIN, 403, 403, ANY_REFUSAL),
    ("draws.sorteo_evaluate", "GET"): (LOGIN, 403, 403, frozenset({200, 409})),  # the sorteo is OPEN
    ("draws.evaluation_preview", "POST"): (LOGIN, 403, 403, ANY_REFUSAL),
    ("draws.evaluation_confirm", "POST"): (LOGIN, 403, 403, ANY_REFUSAL),
    ("draws.evaluation_status", "GET"): (LOGIN, 403, 403, frozenset({200, 404, 409})),
    # jobs ("Trabajos", ADMIN only)
    ("jobs.job_list", "GET"): (LOGIN, 403, 403, 200),
    ("jobs.job_toggle", "POST"): (LOGIN, 403, 403, 303),
    ("jobs.job_run", "POST"): (LOGIN, 403, 403, 404),
    ("jobs.open_time_update", "POST"): (LOGIN, 403, 403, 422),
    # org (§3: ADMIN all; VENTANA its vendedores and its own ventana's contact/print fields)
    ("org.banca_list", "GET"): (LOGIN, 403, 403, 200),
    ("org.banca_create", "GET"): (LOGIN, 403, 403, 200),
    ("org.banca_create", "POST"): (LOGIN, 403, 403, 422),
    ("org.banca_edit", "GET"): (LOGIN, 403, 403, 200),
    ("org.banca_edit", "POST"): (LOGIN, 403, 403, 422),
    ("org.banca_settings", "GET"): (LOGIN, 403, 403, 200),
    ("org.banca_settings", "POST"): (LOGIN, 403, 403, 422),
    ("org.banca_deactivate", "GET"): (LOGIN, 403, 403, 200),
    ("org.banca_deactivate", "POST"): (LOGIN, 403, 403, 422),  # reason required
    ("org.banca_restore", "POST"): (LOGIN, 403, 403, 409),  # already active
    ("org.banca_ventanas", "GET"): (LOGIN, 403, 403, 200),
    ("org.settings", "GET"): (LOGIN, 403, 403, 200),
    ("org.settings", "POST"): (LOGIN, 403, 403, 422),
    ("org.ventana_list", "GET"): (LOGIN, 403, 403, 200),
    ("org.ventana_create", "GET"): (LOGIN, 403, 403, 200),
    ("org.ventana_create", "POST"): (LOGIN, 403, 403, 422),
    ("org.ventana_edit", "GET"): (LOGIN, 403, 200, 200),
    ("org.ventana_edit", "POST"): (LOGIN, 403, 303, 422),  # VENTANA: contact/print fields only
    ("org.ventana_deactivate", "GET"): (LOGIN, 403, 403, 200),
    ("org.ventana_deactivate", "POST"): (LOGIN, 403, 403, 422),
    ("org.ventana_restore", "POST"): (LOGIN, 403, 403, 409),
    ("org.user_list", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_create", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_create", "POST"): (LOGIN, 403, 422, 422),
    ("org.user_edit", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_edit", "POST"): (LOGIN, 403, 422, 422),
    ("org.user_password", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_password", "POST"): (LOGIN, 403, 422, 422),
    ("org.user_deactivate", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_deactivate", "POST"): (LOGIN, 403, 422, 422),
    ("org.user_restore", "POST"): (LOGIN, 403, 409, 409),
    ("org.user_bulk", "POST"): (LOGIN, 403, 422, 422),
    ("org.user_print", "GET"): (LOGIN, 403, 200, 200),
    ("org.user_print", "POST"): (LOGIN, 403, 303, 303),
    ("org.print_preview", "GET"): (LOGIN, 200, 200, 200),  # the vendedor's own receipt preview
    ("org.my_print_settings", "GET"): (LOGIN, 200, 200, 403),  # UX §1: VENDEDOR/VENTANA only
    ("org.my_print_settings", "POST"): (LOGIN, 303, 303, 403),
    # restrictions (§10.7: only ADMIN writes; VENTANA/VENDEDOR read their own)
    ("restrictions.my_rules", "GET"): (LOGIN, 200, 200, 200),
    ("restrictions.rule_list", "GET"): (LOGIN, 403, 403, 200),
    ("restrictions.rule_create", "GET"): (LOGIN, 403, 403, 200),
    ("restrictions.rule_create", "POST"): (LOGIN, 403, 403, 422),
    ("restrictions.rule_edit", "GET"): (LOGIN, 403, 403, 200),
    ("restrictions.rule_edit", "POST"): (LOGIN, 403, 403, frozenset({303, 422})),
    ("restrictions.rule_delete", "GET"): (LOGIN, 403, 403, 200),
    ("restrictions.rule_delete", "POST"): (LOGIN, 403, 403, 422),  # reason required
    ("restrictions.rule_restore", "GET"): (LOGIN, 403, 403, 200),
    ("restrictions.rule_restore", "POST"): (LOGIN, 403, 403, 422),
    ("restrictions.rule_bulk_deactivate", "POST"): (LOGIN, 403, 403, frozenset({303, 422})),
    ("restrictions.housekeeping_run", "POST"): (LOGIN, 403, 403, 303),
    # sales (§3: every role sells — ADMIN/VENTANA on behalf of a vendedor; own tickets)
    ("sales.sale_page", "GET"): (LOGIN, 200, 200, 200),
    ("sales.sorteos_fragment", "GET"): (LOGIN, 200, 200, 200),
    ("sales.recent_fragment", "GET"): (LOGIN, 200, 200, 200),
    ("sales.last_fragment", "GET"): (LOGIN, 200, 200, 200),
    ("sales.choose_sorteo", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.add_group", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.adjust_line", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.change_amount", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.choose_multiplier", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.remove_line", "POST"): (LOGIN, 303, 303, 303),
    ("sales.undo_group", "POST"): (LOGIN, 303, 303, 303),
    ("sales.clear_ticket", "POST"): (LOGIN, 303, 303, 303),
    ("sales.save_cliente", "POST"): (LOGIN, 303, 303, 303),
    ("sales.repeat_last", "POST"): (LOGIN, frozenset({303, 409}), frozenset({303, 409}), frozenset({303, 409})),
    ("sales.sell", "POST"): (LOGIN, ANY_REFUSAL, ANY_REFUSAL, ANY_REFUSAL),
    ("sales.ticket_list", "GET"): (LOGIN, 200, 200, 200),
    ("sales.ticket_lookup", "GET"): (LOGIN, 404, 404, 404),  # no number given
    ("sales.ticket_detail", "GET"): (LOGIN, 200, 200, 200),
    ("sales.ticket_receipt", "GET"): (LOGIN, 200, 200, 200),
    ("sales.ticket_whatsapp", "GET"): (LOGIN, 302, 302, 302),  # to wa.me
    ("sales.ticket_print", "POST"): (LOGIN, 200, 200, 200),
    ("sales.ticket_cancel", "GET"): (LOGIN, 200, 200, 200),
    ("sales.ticket_cancel", "POST"): (LOGIN, 422, 422, 422),  # reason required
    # plain POST refusals flash and redirect back to the tiquete (303); HTMX gets the status
    ("sales.ticket_restore", "POST"): (LOGIN, frozenset({303, 409}), frozenset({303, 409}), frozenset({303, 409})),
    ("sales.prizes_page", "GET"): (LOGIN, 200, 200, 200),
    ("sales.prizes_pending", "GET"): (LOGIN, 200, 200, 200),
    ("sales.prize_pay", "POST"): (LOGIN, 422, 422, 422),
    ("sales.prize_finalize", "POST"): (LOGIN, 409, 409, 409),  # not evaluated
    ("sales.payment_voucher", "GET"): (LOGIN, 200, 200, 200),
    ("sales.payment_reverse", "GET"): (LOGIN, 403, 403, 200),  # ADMIN only (§3)
    ("sales.payment_reverse", "POST"): (LOGIN, 403, 403, 422),
}


# --------------------------------------------------------------------------- machinery


def app_routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, HEAD/OPTIONS aside."""
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.add((rule.endpoint, method))
    return out


def _fmt(key) -> str:
    return f'    ("{key[0]}", "{key[1]}"): (LOGIN, 403, 403, 200),'


def test_every_route_is_in_the_matrix(app):
    routes = app_routes(app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    lines = []
    if missing:
        lines.append(f"{len(missing)} route(s) without an entry in tests/test_rbac_matrix.py MATRIX "
                     "(expected answer for anonymous, VENDEDOR, VENTANA, ADMIN); paste and correct:")
        lines += [_fmt(k) for k in missing]
        no_args = sorted({e for e, _ in missing if e not in ARGS and _has_arguments(app, e)})
        if no_args:
            lines.append("…and, if the route needs a real object, ARGS entries for: " + ", ".join(no_args))
    if stale:
        lines.append("Entries for routes that no longer exist (remove them): " + ", ".join(map(str, stale)))
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


def _has_arguments(app, endpoint) -> bool:
    return any(rule.arguments for rule in app.url_map.iter_rules(endpoint))


@pytest.fixture
def world(session, org):
    w = World(session=session, org=org)
    return w


@pytest.fixture
def role_clients(app, session, org):
    """role → a function returning a fresh client of that role (the cookie jar is per request:
    a logout by one request must not log the next one out)."""
    logins = {"VENDEDOR": login_client(app, session, org.vendedor),
              "VENTANA": login_client(app, session, org.listero),
              "ADMIN": login_client(app, session, org.admin, org.banca.id)}

    def make(role):
        client = app.test_client()
        if role != "anon":
            with client.session_transaction() as s:
                s["sid"] = logins[role].login_session.token_id
                s["uid"] = str(logins[role].user.id)
        return client
    return make


def _url(app, endpoint, world) -> str:
    make = ARGS.get(endpoint)
    kwargs = make(world) if make else {}
    with app.test_request_context():
        rule = next(app.url_map.iter_rules(endpoint))
        for name in rule.arguments:
            kwargs.setdefault(name, DUMMY)
        return url_for(endpoint, **kwargs)


def _request(client, method, url, data, headers=None):
    return client.open(url, method=method, data=data, headers=headers or {})


def _outcome(resp):
    if resp.status_code == 302 and "/login" in resp.headers.get("Location", ""):
        return LOGIN
    return resp.status_code


def _isolated(session, fn):
    """Run fn inside a connection savepoint that is rolled back afterwards (requests commit)."""
    session.commit()
    connection = db.engines[None]
    savepoint = connection.begin_nested()
    try:
        return fn()
    finally:
        db.session.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        db.session.expire_all()


def _params():
    return [pytest.param(k, id=f"{k[0]} {k[1]}") for k in sorted(MATRIX)]


@pytest.mark.parametrize("key", _params())
def test_role_route_matrix(app, session, world, role_clients, key):
    endpoint, method = key
    if key not in app_routes(app):
        pytest.skip("route no longer exists (reported by test_every_route_is_in_the_matrix)")
    url = _url(app, endpoint, world)
    data = DATA.get(endpoint, {})
    session.commit()
    got, problems = {}, []
    for role, expected in zip(ROLES, MATRIX[key]):
        resp = _isolated(session, lambda: _request(role_clients(role), method, url, data))
        got[role] = _outcome(resp)
        ok = got[role] in expected if isinstance(expected, (set, frozenset)) else got[role] == expected
        if not ok:
            problems.append(f"{role}: expected {expected}, got {got[role]}")
        if expected == LOGIN and endpoint not in PLAIN_LOGIN_REDIRECT:
            hx = _isolated(session, lambda: _request(role_clients(role), method, url, data, HX))
            if hx.status_code != 401 or "/login" not in hx.headers.get("HX-Redirect", ""):
                problems.append(f"{role} (HTMX): expected 401 + HX-Redirect to /login, got {hx.status_code}")
    assert not problems, f"{method} {url}: " + "; ".join(problems)


def test_methods_a_route_does_not_accept_answer_405(app, session, world, client):
    """GET on POST-only URLs (and POST on GET-only ones) is 405 for everybody, before any login."""
    by_path: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            by_path.setdefault(rule.rule, set()).update(rule.methods or set())
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = by_path[rule.rule]
        wrong = "GET" if "GET" not in methods else ("POST" if "POST" not in methods else None)
        if wrong is None:
            continue
        url = _url(app, rule.endpoint, world)
        session.commit()
        resp = client.open(url, method=wrong)
        assert resp.status_code == 405, f"{wrong} {url}: {resp.status_code}"
        checked += 1
    assert checked > 10


# --------------------------------------------------------------------------- IDOR
# Object routes with objects outside the caller's scope (DOMAIN §3: object endpoints re-check
# scope; D9: cancel, restore and pay check ownership, not merely the banca). Org CRUD (bancas,
# ventanas, users) is platform-wide for ADMIN (§2-3), so only its VENTANA cases are listed.

REFUSED = frozenset({403, 404})
TICKET_ROUTES = [("sales.ticket_detail", "GET"), ("sales.ticket_receipt", "GET"), ("sales.ticket_whatsapp", "GET"),
                 ("sales.ticket_cancel", "GET"), ("sales.ticket_cancel", "POST"), ("sales.ticket_print", "POST"),
                 ("sales.ticket_restore", "POST"), ("sales.prize_pay", "POST"), ("sales.prize_finalize", "POST")]

IDOR = (
    # a colleague's ticket (same ventana): the VENDEDOR may not touch it
    [(ep, m, "VENDEDOR", lambda w: {"ticket_id": w.colleague_ticket.id}, {403}) for ep, m in TICKET_ROUTES]
    # another ventana's ticket: neither the VENDEDOR nor the VENTANA user
    + [(ep, m, role, lambda w: {"ticket_id": w.other_ticket.id}, {403})
       for ep, m in TICKET_ROUTES for role in ("VENDEDOR", "VENTANA")]
    # another banca's ticket: not even ADMIN while his selector is on org.banca
    + [(ep, m, "ADMIN", lambda w: {"ticket_id": w.foreign["ticket"].id}, REFUSED) for ep, m in TICKET_ROUTES]
    + [
        ("sales.payment_voucher", "GET", "VENDEDOR", lambda w: {"payment_id": w.other_payment.id}, {403}),
        ("sales.payment_voucher", "GET", "VENTANA", lambda w: {"payment_id": w.other_payment.id}, {403}),
        ("org.user_edit", "GET", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_edit", "POST", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_password", "POST", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_deactivate", "POST", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_restore", "POST", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_print", "GET", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.user_edit", "GET", "VENTANA", lambda w: {"user_id": w.org.admin.id}, {403}),
        ("org.print_preview", "GET", "VENDEDOR", lambda w: {"user_id": w.org.vendedor2.id}, {403}),
        ("org.print_preview", "GET", "VENTANA", lambda w: {"user_id": w.org.other_vendedor.id}, {403}),
        ("org.ventana_edit", "GET", "VENTANA", lambda w: {"ventana_id": w.org.other_ventana.id}, {403}),
        ("org.ventana_edit", "POST", "VENTANA", lambda w: {"ventana_id": w.org.other_ventana.id}, {403}),
        ("commissions.user_policy", "GET", "VENDEDOR", lambda w: {"entity_id": w.org.vendedor2.id}, {403}),
        ("commissions.user_policy", "GET", "VENTANA", lambda w: {"entity_id": w.org.other_vendedor.id}, {403}),
        ("commissions.user_policy", "POST", "VENTANA", lambda w: {"entity_id": w.org.other_vendedor.id}, {403}),
        ("commissions.ventana_policy", "GET", "VENTANA", lambda w: {"entity_id": w.org.other_ventana.id}, {403}),
        ("commissions.ventana_policy", "GET", "VENDEDOR", lambda w: {"entity_id": w.org.ventana.id}, {403}),
        ("draws.sorteo_detail", "GET", "VENDEDOR", lambda w: {"sorteo_id": w.foreign["draw"].sorteo.id}, REFUSED),
        ("draws.sorteo_detail", "GET", "VENTANA", lambda w: {"sorteo_id": w.foreign["draw"].sorteo.id}, REFUSED),
        ("draws.sorteo_detail", "GET", "ADMIN", lambda w: {"sorteo_id": w.foreign["draw"].sorteo.id}, REFUSED),
        ("draws.loteria_edit", "GET", "ADMIN", lambda w: {"loteria_id": w.foreign["draw"].loteria.id}, REFUSED),
        ("draws.sorteo_close", "POST", "ADMIN", lambda w: {"sorteo_id": w.foreign["draw"].sorteo.id}, REFUSED),
        ("auth.session_revoke", "POST", "VENTANA", lambda w: {"session_id": w.third_party_session.id}, {403}),
    ]
)


def _idor_id(case) -> str:
    endpoint, method, role = case[:3]
    return f"{endpoint} {method} as {role}"


@pytest.mark.parametrize("case", [pytest.param(c, id=_idor_id(c)) for c in IDOR])
def test_idor_objects_outside_the_scope_are_refused(app, session, world, role_clients, case):
    endpoint, method, role, make_args, expected = case
    if (endpoint, method) not in app_routes(app):
        pytest.skip("route does not exist in this build")
    with app.test_request_context():
        url = url_for(endpoint, **make_args(world))
    session.commit()
    # POSTs as htmx sends them: some plain-form refusals answer 303 + flash (PRG), htmx gets the status.
    headers = HX if method == "POST" else {}
    resp = _isolated(session, lambda: _request(role_clients(role), method, url, DATA.get(endpoint, {}), headers))
    assert resp.status_code in expected, f"{method} {url} as {role}: {resp.status_code}"
