"""The request's identity, read in one plain row (no ORM objects on the way in).

Every request resolves its cookie token to the LoginSession row and re-reads the user, his
ventana and banca (DOMAIN §20: revocation, deactivation and moves apply at once). Loading those
as four ORM entities cost more CPU than the whole sale service, so the per-request read is one
Core SELECT of the columns identity and scope need, held in two small objects:

- `SessionInfo` (g.login_session): id, user, selected banca, times, revoked flag.
- `CurrentUser` (flask_login.current_user): id, username, name, role, banca/ventana ids,
  settings, active flags, plus the facts scope_for_user() checks (ventana and its banca active).

Anything else (`current_user.ventana`, `.banca`, `.email`, relationships) loads the ORM row of
this request's session on first use (`record`), so pages that need more pay one `session.get`,
and the hot paths (selling, polling) pay nothing. Code that modifies the user must use
`current_user.record` (an ORM User), never set attributes on `current_user`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import bindparam, select

from app.auth.models import LoginSession, Role, User
from app.db import postgres_sql, raw_cursor
from app.org.models import Banca, Ventana

_s, _u = LoginSession.__table__, User.__table__
_v, _b = Ventana.__table__.alias("v"), Banca.__table__.alias("sb")  # ventana; the session's banca
_vb = Banca.__table__.alias("vb")  # the ventana's banca

IDENTITY_STMT = (
    select(_s.c.id, _s.c.user_id, _s.c.banca_id, _s.c.last_used_at, _s.c.expires_at, _s.c.revoked,
           _u.c.username, _u.c.name, _u.c.role, _u.c.banca_id, _u.c.ventana_id, _u.c.settings, _u.c.code,
           _u.c.is_active, _u.c.deleted_at,
           _v.c.banca_id, _v.c.is_active, _v.c.deleted_at, _vb.c.is_active, _vb.c.deleted_at,
           _b.c.settings)
    .select_from(_s.outerjoin(_u, _u.c.id == _s.c.user_id)
                 .outerjoin(_v, _v.c.id == _u.c.ventana_id)
                 .outerjoin(_vb, _vb.c.id == _v.c.banca_id)
                 .outerjoin(_b, _b.c.id == _s.c.banca_id))
    .where(_s.c.token_id == bindparam("token_id", type_=_s.c.token_id.type))
)


_IDENTITY_PG = postgres_sql(IDENTITY_STMT)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    return value


@dataclass(slots=True)
class SessionInfo:
    """The LoginSession row behind the cookie (plain values; load the ORM row to change it)."""

    id: object
    user_id: object
    banca_id: object
    last_used_at: datetime
    expires_at: datetime
    revoked: bool


class CurrentUser(UserMixin):
    """The logged-in user as plain values (see the module docstring)."""

    def __init__(self, *, id, username, name, role, banca_id, ventana_id, settings, code, active,
                 deleted_at, ventana_banca_id, ventana_ok):
        self.id = id
        self.username = username
        self.name = name
        self.role = Role(role)
        self.banca_id = banca_id
        self.ventana_id = ventana_id
        self.settings = settings or {}
        self.code = code
        self._active = bool(active) and deleted_at is None
        self.deleted_at = deleted_at
        # What scope_for_user() checks, read in the same row: the ventana exists, is active and
        # not deleted, and so is its banca.
        self.ventana_banca_id = ventana_banca_id
        self.ventana_ok = ventana_ok
        self._record = None

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self._active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def record(self) -> User:
        """The ORM User of this request's session (loaded on first use)."""
        if self._record is None:
            from app.extensions import db
            self._record = db.session.get(User, self.id)
        return self._record

    @property
    def ventana(self):
        return self.record.ventana

    @property
    def banca(self):
        return self.record.banca

    def __getattr__(self, name: str):
        # Only for attributes not set above: email, phone, relationships, helpers of User.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.record, name)

    def __repr__(self) -> str:
        return f"<CurrentUser {self.username} {self.role.value}>"


def read_identity(session, token_id: str):
    """(SessionInfo, CurrentUser | None, session banca settings) for a token, or None."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the ORM query did by itself (autoflush)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        row = raw_cursor(conn, _IDENTITY_PG, {"token_id": token_id}).fetchone()
    else:
        row = conn.execute(IDENTITY_STMT, {"token_id": token_id}).first()
    if row is None:
        return None
    info = SessionInfo(id=row[0], user_id=row[1], banca_id=row[2], last_used_at=_utc(row[3]),
                       expires_at=_utc(row[4]), revoked=bool(row[5]))
    user = None
    if row[6] is not None:
        ventana_ok = (row[15] is not None and bool(row[16]) and row[17] is None and bool(row[18])
                      and row[19] is None)
        user = CurrentUser(id=row[1], username=row[6], name=row[7], role=getattr(row[8], "value", row[8]),
                           banca_id=row[9], ventana_id=row[10], settings=row[11], code=row[12], active=row[13],
                           deleted_at=row[14], ventana_banca_id=row[15], ventana_ok=ventana_ok)
    return info, user, row[20]
