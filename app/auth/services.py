"""Login, server-side sessions per device, passwords and preferences (DOMAIN §20).

Helpers other domains call:
- revoke_user_sessions(session, user_id, reason=...) — deactivation, admin password reset, move to
  another ventana/banca (DOMAIN §2, §20); returns how many were revoked.
- revoke_banca_vendedor_sessions(session, banca_id, reason=...) — lowering a banca's vendor_limit.
- set_user_password(session, user, password, reason=...) — admin reset: new hash + sessions revoked.
- count_live_vendedor_sessions(session, banca_id) — the seller pool in use.
- make_user(...) — low-level creation (seed, org services).
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from app.audit.services import record
from app.auth.models import LoginSession, Role, User
from app.auth.passwords import (MAX_LENGTH, MIN_LENGTH, dummy_verify, hash_password, needs_rehash,
                                verify_password)
from app.errors import DomainError, InvalidInput, NotFound, OutOfScope, Throttled
from app.org.models import Banca
from app.tz import utcnow

ABSOLUTE_LIFETIME = timedelta(days=7)
DEFAULT_IDLE_MINUTES = 60
# last_used_at is written at most once a minute (one UPDATE per minute per device, not per request).
TOUCH_EVERY = timedelta(seconds=60)
GENERIC_LOGIN_ERROR = "Usuario o contraseña incorrectos"
INACTIVE_ERROR = "Su cuenta está inactiva. Contacte al administrador."
ORG_INACTIVE_ERROR = "Su ventana o su banca está inactiva. Contacte al administrador."
POOL_FULL_ERROR = ("Se alcanzó el máximo de vendedores conectados de la banca. "
                   "Intente más tarde o pida a otro vendedor que salga.")
THEMES = {"claro": "Claro", "oscuro": "Oscuro", "": "Según el sistema"}


class LoginRefused(InvalidInput):
    """Wrong credentials (422) or an inactive account/organisation (403)."""


# --------------------------------------------------------------------------- lookups

def find_user_by_username(session, username: str) -> User | None:
    """Case-insensitive username lookup (DOMAIN §4: usernames are unique ignoring case)."""
    name = (username or "").strip().lower()
    if not name:
        return None
    return session.scalar(select(User).where(func.lower(User.username) == name))


def _banca_id_of(user: User | None):
    if user is None:
        return None
    if user.ventana is not None:
        return user.ventana.banca_id
    return user.banca_id


def _org_active(user: User) -> bool:
    """VENTANA/VENDEDOR need an active ventana in an active banca; ADMIN has no ventana."""
    if user.role == Role.ADMIN:
        return True
    v = user.ventana
    return (v is not None and v.is_active and v.deleted_at is None and v.banca is not None
            and v.banca.is_active and v.banca.deleted_at is None)


def _user_active(user: User) -> bool:
    return bool(user.is_active) and user.deleted_at is None


def idle_timeout_for_banca(banca: Banca | None) -> timedelta:
    """The banca's idle_timeout_minutes (5–60, default 60)."""
    return idle_timeout_for_settings(banca.settings if banca is not None else None)


def idle_timeout_for_settings(settings: dict | None) -> timedelta:
    """idle_timeout_for_banca() on a banca's settings column (None: no banca)."""
    minutes = DEFAULT_IDLE_MINUTES
    if settings is not None:
        from app.org.models import DEFAULT_BANCA_SETTINGS
        try:
            minutes = int(settings.get("idle_timeout_minutes", DEFAULT_BANCA_SETTINGS.get("idle_timeout_minutes"))
                          or DEFAULT_IDLE_MINUTES)
        except (TypeError, ValueError):
            minutes = DEFAULT_IDLE_MINUTES
    return timedelta(minutes=max(5, min(60, minutes)))


def idle_timeout(session, login: LoginSession) -> timedelta:
    return idle_timeout_for_banca(session.get(Banca, login.banca_id) if login.banca_id else None)


def live_sessions_stmt(now: datetime):
    """Sessions not revoked and within their absolute lifetime (idle ones are checked on use)."""
    return select(LoginSession).where(LoginSession.revoked.is_(False), LoginSession.expires_at > now)


def listed_sessions_stmt(now: datetime):
    """Sessions worth listing: live and used within the longest idle timeout (60 min)."""
    return live_sessions_stmt(now).where(LoginSession.last_used_at > now - timedelta(minutes=60))


# --------------------------------------------------------------------------- login

@dataclass
class LoginAttempt:
    """Outcome of attempt_login(); the audit row is in the session either way (commit it)."""

    user: User | None = None
    login: LoginSession | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PasswordCheck:
    """The slow Argon2 check, done by check_password() before the login's write transaction.

    On SQLite the login writes under BEGIN IMMEDIATE (the single writer lock); verifying the
    password (~0.1–0.3 s) inside it would stall every sale for that long, and verifying it inside
    a deferred transaction fails with "database is locked" whenever another request commits in
    between (WAL snapshot). attempt_login() trusts the result only while the stored hash is
    unchanged."""

    username: str
    password_hash: str | None
    ok: bool


def check_password(session, *, username: str, password: str) -> PasswordCheck:
    """Read-only credential check (constant work for unknown users)."""
    typed = (username or "").strip()[:32]
    user = find_user_by_username(session, typed)
    if user is None:
        dummy_verify(password or "")
        return PasswordCheck(typed, None, False)
    return PasswordCheck(typed, user.password_hash, verify_password(user.password_hash, password or ""))


def attempt_login(session, *, username: str, password: str, ip: str | None, user_agent: str | None,
                  device_id: str | None, now: datetime | None = None,
                  checked: PasswordCheck | None = None) -> LoginAttempt:
    """Check credentials and open a session row. Never raises for a refusal: returns the error
    (LoginRefused 422/403, Throttled 429) with its LOGIN_FAILED audit row added, so the caller
    commits the audit trail of failed attempts too. The password is never logged.

    `checked`: a check_password() result for the same username, reused when the user's hash has
    not changed since (else the password is verified again here)."""
    now = now or utcnow()
    typed = (username or "").strip()[:32]
    user = find_user_by_username(session, typed)
    usable = checked is not None and checked.username == typed
    if user is None:
        if not usable:
            dummy_verify(password or "")
        return _refuse(session, None, typed, ip, "unknown_user",
                       LoginRefused(GENERIC_LOGIN_ERROR, field="password"))
    if usable and checked.password_hash is not None and checked.password_hash == user.password_hash:
        password_ok = checked.ok
    else:
        password_ok = verify_password(user.password_hash, password or "")
    if not password_ok:
        return _refuse(session, user, typed, ip, "bad_password",
                       LoginRefused(GENERIC_LOGIN_ERROR, field="password"))
    if not _user_active(user):
        return _refuse(session, user, typed, ip, "inactive", LoginRefused(INACTIVE_ERROR, status=403))
    if not _org_active(user):
        return _refuse(session, user, typed, ip, "org_inactive", LoginRefused(ORG_INACTIVE_ERROR, status=403))
    device_id = (device_id or new_device_id())[:64]
    banca_id = _login_banca_id(session, user)
    if user.role == Role.VENDEDOR:
        try:
            _make_room_for_vendedor(session, user, banca_id, device_id, now)
        except Throttled as err:
            return _refuse(session, user, typed, ip, "pool_full", err)
    else:
        _revoke(session, select(LoginSession.id).where(
            LoginSession.user_id == user.id, LoginSession.device_id == device_id,
            LoginSession.revoked.is_(False)), now, "Nuevo ingreso en el mismo dispositivo")
    login = LoginSession(
        id=uuid.uuid4(), user_id=user.id, banca_id=banca_id, token_id=secrets.token_urlsafe(32),
        device_id=device_id, device_name=_device_name(user_agent),
        user_agent=(user_agent or "")[:300] or None,
        ip=(ip or None), last_used_at=now, expires_at=now + ABSOLUTE_LIFETIME,
    )
    session.add(login)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(session, action="LOGIN", layer="auth", actor_id=user.id, banca_id=banca_id,
           target_type="user", target_id=user.id, ip=ip,
           description=f"Ingreso de {user.name} ({user.username}) desde {login.device_name}",
           details={"username": user.username, "device": login.device_name, "session_id": login.id})
    session.flush()
    return LoginAttempt(user=user, login=login)


def authenticate(session, **kwargs) -> tuple[User, LoginSession]:
    """attempt_login() that raises the refusal (its audit row stays in the session: commit it to
    keep it). Returns (user, login session)."""
    attempt = attempt_login(session, **kwargs)
    if attempt.error is not None:
        raise attempt.error
    return attempt.user, attempt.login


_FAILURE_TEXT = {
    "unknown_user": "usuario inexistente", "bad_password": "contraseña incorrecta",
    "inactive": "usuario inactivo", "org_inactive": "ventana o banca inactiva",
    "pool_full": "máximo de vendedores conectados alcanzado",
}


def _refuse(session, user: User | None, typed: str, ip, reason: str, error: DomainError) -> LoginAttempt:
    record(session, action="LOGIN_FAILED", layer="auth", actor_id=user.id if user else None,
           banca_id=_banca_id_of(user), target_type="user" if user else None,
           target_id=user.id if user else None, ip=ip,
           description=f"Ingreso fallido para «{typed}»: {_FAILURE_TEXT[reason]}",
           details={"username": typed, "reason": reason})
    session.flush()
    return LoginAttempt(user=user, error=error)


def _login_banca_id(session, user: User):
    """VENTANA/VENDEDOR: their ventana's banca. ADMIN: his own banca if active, else the first one."""
    if user.role != Role.ADMIN:
        return _banca_id_of(user)
    if user.banca_id is not None:
        banca = session.get(Banca, user.banca_id)
        if banca is not None and banca.is_active:
            return banca.id
    return session.scalar(select(Banca.id).where(Banca.is_active.is_(True)).order_by(Banca.name).limit(1))


def _device_name(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    os_name = next((n for k, n in (("android", "Android"), ("iphone", "iPhone"), ("ipad", "iPad"),
                                   ("windows", "Windows"), ("mac os", "Mac"), ("linux", "Linux"))
                    if k in ua), "dispositivo")
    browser = next((n for k, n in (("edg/", "Edge"), ("opr/", "Opera"), ("chrome", "Chrome"),
                                   ("chromium", "Chromium"), ("firefox", "Firefox"), ("safari", "Safari"))
                    if k in ua), "Navegador")
    return f"{browser} en {os_name}"


def count_live_vendedor_sessions(session, banca_id, now: datetime | None = None) -> int:
    """Live VENDEDOR sessions of a banca (the seller pool limited by vendor_limit)."""
    now = now or utcnow()
    idle = idle_timeout_for_banca(session.get(Banca, banca_id))
    return session.scalar(
        select(func.count(LoginSession.id)).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.revoked.is_(False), LoginSession.expires_at > now,
               LoginSession.last_used_at > now - idle, LoginSession.banca_id == banca_id,
               User.role == Role.VENDEDOR)) or 0


def _make_room_for_vendedor(session, user: User, banca_id, device_id: str, now: datetime) -> None:
    """Seat limits (DOMAIN §20): the session on the same device is replaced; beyond the user's limit
    (override ?? banca.max_sessions_per_vendedor ?? 1) the least recently used are displaced; with
    banca.vendor_limit set and that many live vendedor sessions (not counting those displaced
    here) → Throttled (429)."""
    banca = None
    if banca_id is not None:
        # Serialise vendedor logins of one banca so two cannot take the last seat (PostgreSQL).
        banca = session.scalar(select(Banca).where(Banca.id == banca_id).with_for_update())
    idle = idle_timeout_for_banca(banca)
    limit = user.max_sessions or (banca.max_sessions_per_vendedor if banca else None) or 1
    mine = session.scalars(live_sessions_stmt(now).where(LoginSession.user_id == user.id)
                           .order_by(LoginSession.last_used_at.asc(), LoginSession.created_at.asc())).all()
    stale = [s for s in mine if s.last_used_at <= now - idle]
    alive = [s for s in mine if s.last_used_at > now - idle]
    same_device = [s for s in alive if s.device_id == device_id]
    others = [s for s in alive if s.device_id != device_id]
    excess = max(0, len(others) + 1 - limit)
    displaced = others[:excess]
    if banca is not None and banca.vendor_limit:
        pool = count_live_vendedor_sessions(session, banca.id, now)
        if pool - len(same_device) - len(displaced) >= banca.vendor_limit:
            raise Throttled(POOL_FULL_ERROR)
    for s in stale:
        _mark_revoked(s, now, "Inactividad")
    for s in same_device:
        _mark_revoked(s, now, "Nuevo ingreso en el mismo dispositivo")
    for s in displaced:
        _mark_revoked(s, now, "Desplazada por un nuevo ingreso (límite de sesiones)")


def _mark_revoked(login: LoginSession, now: datetime, reason: str) -> None:
    if not login.revoked:
        login.revoked, login.revoked_at, login.revoked_reason = True, now, reason[:200]


def _revoke(session, id_select, now, reason) -> int:
    """Mark the selected sessions revoked through the ORM (objects already loaded stay in sync)."""
    rows = session.scalars(select(LoginSession).where(LoginSession.id.in_(id_select))).all()
    for row in rows:
        _mark_revoked(row, now, reason)
    return len(rows)


# --------------------------------------------------------------------------- revocation

def revoke_user_sessions(session, user_id, *, reason: str, now: datetime | None = None,
                         except_session_id=None) -> int:
    """Revoke every live session of a user (deactivation, password reset, move); no audit row —
    the caller's own action is the audited event. Returns the number revoked."""
    now = now or utcnow()
    q = select(LoginSession.id).where(LoginSession.user_id == user_id, LoginSession.revoked.is_(False))
    if except_session_id is not None:
        q = q.where(LoginSession.id != except_session_id)
    return _revoke(session, q, now, reason)


def revoke_banca_vendedor_sessions(session, banca_id, *, reason: str, now: datetime | None = None) -> int:
    """Log out every vendedor of a banca (DOMAIN §20: lowering vendor_limit). Returns the count."""
    now = now or utcnow()
    vendedores = select(User.id).where(User.role == Role.VENDEDOR)
    q = select(LoginSession.id).where(LoginSession.banca_id == banca_id, LoginSession.revoked.is_(False),
                                      LoginSession.user_id.in_(vendedores))
    return _revoke(session, q, now, reason)


def set_user_password(session, user: User, password: str, *, reason: str = "Contraseña restablecida",
                      keep_session_id=None) -> int:
    """Store a new password hash, invalidate cached identity and revoke the user's sessions
    (except keep_session_id). Validates 8–100 characters (InvalidInput). Caller audits."""
    if not (MIN_LENGTH <= len(password or "") <= MAX_LENGTH):
        raise InvalidInput(f"La contraseña debe tener entre {MIN_LENGTH} y {MAX_LENGTH} caracteres.",
                           field="password")
    user.password_hash = hash_password(password)
    user.identity_version = (user.identity_version or 1) + 1
    return revoke_user_sessions(session, user.id, reason=reason, except_session_id=keep_session_id)


def resolve_session(session, token_id: str | None, *, now: datetime | None = None,
                    is_poll: bool = False):
    """The live (CurrentUser, SessionInfo) behind a cookie token, or None when revoked, expired,
    idle, the user inactive or moved to another banca (those rows are marked revoked). Every
    request re-reads the user, so role/ventana/active changes apply at once; nothing here comes
    from a cache. One plain SELECT (app/auth/identity.py); the ORM LoginSession row is loaded only
    to write it (revocation, the once-a-minute touch). Polls (X-Poll: 1) do not extend idleness."""
    if not token_id:
        return None
    from app.auth.identity import read_identity
    now = now or utcnow()
    found = read_identity(session, token_id)
    if found is None:
        return None
    info, user, banca_settings = found
    if info.revoked:
        return None
    reason = None
    if info.expires_at <= now:
        reason = "Vencida (7 días)"
    elif user is None or not user.is_active:
        reason = "Usuario inactivo"
    elif user.role != Role.ADMIN and info.banca_id != (user.ventana_banca_id if user.ventana_banca_id is not None
                                                       else user.banca_id):
        reason = "El usuario cambió de banca"
    elif now - info.last_used_at > idle_timeout_for_settings(banca_settings):
        reason = "Inactividad"
    if reason is not None:
        _mark_revoked(session.get(LoginSession, info.id), now, reason)
        return None
    if not is_poll and now - info.last_used_at >= TOUCH_EVERY:
        session.get(LoginSession, info.id).last_used_at = now
        info.last_used_at = now
    return user, info


def logout(session, login: LoginSession, user: User, now: datetime | None = None) -> None:
    """End this device's session (LOGOUT)."""
    now = now or utcnow()
    _mark_revoked(login, now, "Salida")
    record(session, action="LOGOUT", layer="auth", actor_id=user.id, banca_id=login.banca_id,
           target_type="session", target_id=login.id,
           description=f"Salida de {user.name} ({login.device_name or 'dispositivo'})")


def revoke_all_own_sessions(session, user: User, *, banca_id=None, now: datetime | None = None) -> int:
    """"Cerrar sesión en todos lados": every session of the user, this one included (SESSION_REVOKE)."""
    count = revoke_user_sessions(session, user.id, reason="Cerrar sesión en todos lados", now=now)
    record(session, action="SESSION_REVOKE", layer="auth", actor_id=user.id, banca_id=banca_id,
           target_type="user", target_id=user.id,
           description=f"{user.name} cerró sesión en todos sus dispositivos ({count} sesiones)",
           details={"count": count})
    return count


def revoke_session(session, *, actor: User, session_id, reason: str = "Sesión cerrada") -> LoginSession:
    """Revoke one session: one's own, or any for ADMIN (SESSION_REVOKE). NotFound / OutOfScope."""
    target = session.get(LoginSession, session_id)
    if target is None:
        raise NotFound("La sesión no existe.")
    if target.user_id != actor.id and actor.role != Role.ADMIN:
        raise OutOfScope("No puede cerrar sesiones de otro usuario.")
    owner = target.user
    _mark_revoked(target, utcnow(), reason if target.user_id == actor.id else "Cerrada por un administrador")
    who = "su sesión" if owner.id == actor.id else f"la sesión de {owner.name} ({owner.username})"
    record(session, action="SESSION_REVOKE", layer="auth", actor_id=actor.id, banca_id=target.banca_id,
           target_type="session", target_id=target.id,
           description=f"{actor.name} cerró {who} en {target.device_name or 'un dispositivo'}",
           details={"user_id": owner.id, "username": owner.username})
    return target


# --------------------------------------------------------------------------- Mi cuenta

def password_change_errors(user: User, *, current: str, new: str, confirm: str) -> dict[str, list[str]]:
    """Per-field errors of a password change (empty when valid): current password right, new one
    8–100 characters and different, confirmation equal."""
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current or ""):
        errors["current_password"] = ["La contraseña actual no es correcta."]
    if not (MIN_LENGTH <= len(new or "") <= MAX_LENGTH):
        errors["new_password"] = [f"La nueva contraseña debe tener entre {MIN_LENGTH} y {MAX_LENGTH} "
                                  "caracteres."]
    elif new == current:
        errors["new_password"] = ["La nueva contraseña debe ser diferente de la actual."]
    if new != confirm:
        errors["confirm"] = ["La confirmación no coincide con la nueva contraseña."]
    return errors


def change_password(session, user: User, *, current: str, new: str, confirm: str,
                    keep_session_id=None) -> None:
    """Change own password (InvalidInput with per-field errors, see password_change_errors);
    revokes the user's other sessions (PASSWORD_CHANGE)."""
    errors = password_change_errors(user, current=current, new=new, confirm=confirm)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    revoked = set_user_password(session, user, new, reason="Cambio de contraseña",
                                keep_session_id=keep_session_id)
    record(session, action="PASSWORD_CHANGE", layer="auth", actor_id=user.id, banca_id=_banca_id_of(user),
           target_type="user", target_id=user.id, details={"other_sessions_revoked": revoked},
           description=f"{user.name} cambió su contraseña "
                       f"(se cerraron {revoked} sesiones en otros dispositivos)")


def set_theme(session, user: User, theme: str) -> bool:
    """Store the UI theme ("claro", "oscuro", or "" = follow the system) on user.settings.
    InvalidInput for anything else; returns False when nothing changed."""
    theme = (theme or "").strip().lower()
    if theme not in THEMES:
        raise InvalidInput("Seleccione un tema válido.", field="theme")
    settings = dict(user.settings or {})
    if settings.get("theme", "") == theme:
        return False
    if theme:
        settings["theme"] = theme
    else:
        settings.pop("theme", None)
    user.settings = settings
    record(session, action="USER_UPDATE", layer="auth", actor_id=user.id, banca_id=_banca_id_of(user),
           target_type="user", target_id=user.id, details={"theme": theme or "sistema"},
           description=f"{user.name} cambió el tema a «{THEMES[theme]}»")
    return True


def list_user_sessions(session, user_id, now: datetime | None = None) -> list[LoginSession]:
    """The user's live sessions, most recently used first."""
    now = now or utcnow()
    return list(session.scalars(listed_sessions_stmt(now).where(LoginSession.user_id == user_id)
                                .order_by(LoginSession.last_used_at.desc())).all())


def list_live_sessions(session, *, text: str | None = None, role: str | None = None, banca_id=None,
                       page: int = 1, per_page: int = 50, now: datetime | None = None):
    """ADMIN: live sessions of every user (filter by name/username, role, banca); (rows, total)."""
    now = now or utcnow()
    stmt = listed_sessions_stmt(now).join(User, User.id == LoginSession.user_id)
    if text and text.strip():
        like = f"%{text.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.name).like(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if banca_id is not None:
        stmt = stmt.where(LoginSession.banca_id == banca_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    per_page = max(1, min(per_page, 100))
    rows = session.scalars(stmt.order_by(LoginSession.last_used_at.desc())
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def set_admin_banca(session, login: LoginSession, user: User, banca_id) -> Banca:
    """ADMIN's banca selector: the session's banca (DOMAIN §20). OutOfScope / NotFound."""
    if user.role != Role.ADMIN:
        raise OutOfScope("Solo un administrador puede cambiar de banca.")
    banca = session.get(Banca, banca_id)
    if banca is None or not banca.is_active:
        raise NotFound("La banca no existe o está inactiva.")
    login.banca_id = banca.id
    return banca


def new_device_id() -> str:
    return secrets.token_urlsafe(24)


def make_user(session, *, username: str, name: str, password: str, role: Role, banca_id=None,
              ventana_id=None, code: str | None = None, email: str | None = None,
              phone: str | None = None) -> User:
    """Low-level user creation (seed, org services); callers validate and audit."""
    user = User(id=uuid.uuid4(), username=username, name=name, password_hash=hash_password(password),
                role=role, banca_id=banca_id, ventana_id=ventana_id, code=code, email=email, phone=phone,
                settings={})
    session.add(user)
    return user
