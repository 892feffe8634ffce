"""Login, server-side sessions per device, password changes (DOMAIN §20)."""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.audit.services import record
from app.auth.models import LoginSession, Role, User
from app.auth.passwords import dummy_verify, hash_password, verify_password
from app.errors import Conflict, InvalidInput, Throttled
from app.org.models import Banca
from app.tz import utcnow

ABSOLUTE_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(seconds=60)
GENERIC_LOGIN_ERROR = "Usuario o contraseña incorrectos"


class LoginRefused(InvalidInput):
    status = 422


def find_user_by_username(session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def _banca_of(user: User) -> Banca | None:
    if user.ventana is not None:
        return user.ventana.banca
    return user.banca


def idle_timeout(user: User) -> timedelta:
    banca = _banca_of(user)
    minutes = 60
    if banca is not None:
        minutes = int(banca.setting("idle_timeout_minutes") or 60)
    return timedelta(minutes=max(5, min(60, minutes)))


def authenticate(session, *, username: str, password: str, ip: str | None, user_agent: str | None,
                 device_id: str | None, now: datetime | None = None) -> tuple[User, LoginSession]:
    """Check credentials and open a session row; raises LoginRefused / Throttled. Audits every attempt."""
    now = now or utcnow()
    user = find_user_by_username(session, username or "")
    if user is None or not verify_password(user.password_hash, password or ""):
        if user is None:
            dummy_verify(password or "")
        record(session, action="LOGIN_FAILED", layer="auth", actor_id=user.id if user else None,
               banca_id=_banca_id_of(user), target_type="user", target_id=user.id if user else None,
               description=f"Ingreso fallido para el usuario «{(username or '')[:32]}»",
               details={"username": (username or "")[:32], "reason": "bad_credentials"}, ip=ip)
        raise LoginRefused(GENERIC_LOGIN_ERROR, field="password")
    if not user.is_active or user.deleted_at is not None or not _org_active(user):
        record(session, action="LOGIN_FAILED", layer="auth", actor_id=user.id,
               banca_id=_banca_id_of(user), target_type="user", target_id=user.id,
               description=f"Ingreso rechazado: el usuario {user.username} está inactivo",
               details={"username": user.username, "reason": "inactive"}, ip=ip)
        raise LoginRefused("Su cuenta está inactiva. Contacte al administrador.", field="username")
    device_id = device_id or secrets.token_urlsafe(24)
    if user.role == Role.VENDEDOR:
        _make_room_for_vendedor(session, user, device_id, now)
    else:
        _revoke(session, select(LoginSession.id).where(
            LoginSession.user_id == user.id, LoginSession.device_id == device_id,
            LoginSession.revoked.is_(False)), now, "Nuevo ingreso en el mismo dispositivo")
    banca_id = _banca_id_of(user)
    if user.role == Role.ADMIN and banca_id is None:
        banca_id = session.scalar(select(Banca.id).where(Banca.is_active.is_(True)).order_by(Banca.name).limit(1))
    login = LoginSession(
        user_id=user.id, banca_id=banca_id, token_id=secrets.token_urlsafe(32),
        device_id=device_id, device_name=_device_name(user_agent), user_agent=(user_agent or "")[:300],
        ip=ip, last_used_at=now, expires_at=now + ABSOLUTE_LIFETIME,
    )
    session.add(login)
    user.last_login_at = now
    record(session, action="LOGIN", layer="auth", actor_id=user.id, banca_id=_banca_id_of(user),
           target_type="user", target_id=user.id, description=f"Ingreso de {user.name} ({user.username})",
           details={"device": login.device_name}, ip=ip)
    session.flush()
    return user, login


def _org_active(user: User) -> bool:
    if user.role == Role.ADMIN:
        return True
    v = user.ventana
    return v is not None and v.is_active and v.banca is not None and v.banca.is_active


def _banca_id_of(user: User | None):
    if user is None:
        return None
    if user.ventana is not None:
        return user.ventana.banca_id
    return user.banca_id


def _device_name(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    os_name = next((n for k, n in (("android", "Android"), ("iphone", "iPhone"), ("ipad", "iPad"),
                                   ("windows", "Windows"), ("mac os", "Mac"), ("linux", "Linux"))
                    if k in ua), "Dispositivo")
    browser = next((n for k, n in (("edg/", "Edge"), ("chrome", "Chrome"), ("firefox", "Firefox"),
                                   ("safari", "Safari")) if k in ua), "navegador")
    return f"{browser} en {os_name}"


def live_sessions_stmt(now: datetime):
    return select(LoginSession).where(LoginSession.revoked.is_(False), LoginSession.expires_at > now)


def _make_room_for_vendedor(session, user: User, device_id: str, now: datetime) -> None:
    """Seat limits: same device replaced, LRU extras displaced, pool full → 429 (DOMAIN §20)."""
    banca = _banca_of(user)
    limit = user.max_sessions or (banca.max_sessions_per_vendedor if banca else None) or 1
    mine = session.scalars(live_sessions_stmt(now).where(LoginSession.user_id == user.id)
                           .order_by(LoginSession.last_used_at.asc())).all()
    to_revoke = [s for s in mine if s.device_id == device_id]
    others = [s for s in mine if s.device_id != device_id]
    excess = len(others) + 1 - limit
    if excess > 0:
        to_revoke += others[:excess]
    if banca is not None and banca.vendor_limit:
        pool = session.scalar(
            select(func.count(LoginSession.id)).join(User, User.id == LoginSession.user_id)
            .where(LoginSession.revoked.is_(False), LoginSession.expires_at > now,
                   User.role == Role.VENDEDOR, LoginSession.banca_id == banca.id))
        if pool - len(to_revoke) >= banca.vendor_limit:
            raise Throttled("Se alcanzó el máximo de vendedores conectados de la banca. "
                            "Intente más tarde o pida a otro vendedor que salga.")
    for s in to_revoke:
        s.revoked, s.revoked_at = True, now
        s.revoked_reason = "Desplazada por un nuevo ingreso"


def _revoke(session, id_select, now, reason) -> int:
    result = session.execute(update(LoginSession).where(LoginSession.id.in_(id_select))
                             .values(revoked=True, revoked_at=now, revoked_reason=reason)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def revoke_user_sessions(session, user_id, *, reason: str, now: datetime | None = None,
                         except_session_id=None) -> int:
    """Revoke every live session of a user (deactivation, password reset, move)."""
    now = now or utcnow()
    q = select(LoginSession.id).where(LoginSession.user_id == user_id, LoginSession.revoked.is_(False))
    if except_session_id is not None:
        q = q.where(LoginSession.id != except_session_id)
    return _revoke(session, q, now, reason)


def resolve_session(session, token_id: str | None, *, now: datetime | None = None,
                    is_poll: bool = False) -> tuple[User, LoginSession] | None:
    """The live (user, session) behind a cookie token, or None (revoked, expired, idle, inactive)."""
    if not token_id:
        return None
    now = now or utcnow()
    login = session.scalar(select(LoginSession).where(LoginSession.token_id == token_id))
    if login is None or login.revoked or login.expires_at <= now:
        return None
    user = session.get(User, login.user_id)
    if user is None or not user.is_active or user.deleted_at is not None:
        return None
    if now - login.last_used_at > idle_timeout(user):
        login.revoked, login.revoked_at, login.revoked_reason = True, now, "Inactividad"
        return None
    if not is_poll and now - login.last_used_at > TOUCH_EVERY:
        login.last_used_at = now
    return user, login


def logout(session, login: LoginSession, user: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    login.revoked, login.revoked_at, login.revoked_reason = True, now, "Salida"
    record(session, action="LOGOUT", layer="auth", actor_id=user.id, banca_id=_banca_id_of(user),
           target_type="user", target_id=user.id, description=f"Salida de {user.name}")


def change_password(session, user: User, *, current: str, new: str, confirm: str,
                    keep_session_id=None) -> None:
    """Change own password (current required, 8–100, different); revokes the other sessions."""
    errors = {}
    if not verify_password(user.password_hash, current or ""):
        errors["current_password"] = ["La contraseña actual no es correcta."]
    if not (8 <= len(new or "") <= 100):
        errors["new_password"] = ["La nueva contraseña debe tener entre 8 y 100 caracteres."]
    elif new == current:
        errors["new_password"] = ["La nueva contraseña debe ser diferente de la actual."]
    if new != confirm:
        errors["confirm"] = ["La confirmación no coincide con la nueva contraseña."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, errors=errors)
    user.password_hash = hash_password(new)
    user.identity_version += 1
    revoke_user_sessions(session, user.id, reason="Cambio de contraseña", except_session_id=keep_session_id)
    record(session, action="PASSWORD_CHANGE", layer="auth", actor_id=user.id, banca_id=_banca_id_of(user),
           target_type="user", target_id=user.id, description=f"{user.name} cambió su contraseña")


def list_user_sessions(session, user_id, now: datetime | None = None) -> list[LoginSession]:
    now = now or utcnow()
    return session.scalars(live_sessions_stmt(now).where(LoginSession.user_id == user_id)
                           .order_by(LoginSession.last_used_at.desc())).all()


def revoke_session(session, *, actor: User, session_id, reason: str = "Sesión cerrada") -> LoginSession:
    """Revoke one session: own sessions, or any for ADMIN (SESSION_REVOKE)."""
    from app.errors import NotFound, OutOfScope
    target = session.get(LoginSession, session_id)
    if target is None:
        raise NotFound("La sesión no existe.")
    if target.user_id != actor.id and actor.role != Role.ADMIN:
        raise OutOfScope()
    if not target.revoked:
        target.revoked, target.revoked_at, target.revoked_reason = True, utcnow(), reason
    record(session, action="SESSION_REVOKE", layer="auth", actor_id=actor.id, banca_id=target.banca_id,
           target_type="session", target_id=target.id,
           description=f"Sesión cerrada ({target.device_name or 'dispositivo'})")
    return target


def set_admin_banca(session, login: LoginSession, user: User, banca_id) -> None:
    """ADMIN's banca selector: the session's banca (DOMAIN §20)."""
    from app.errors import NotFound, OutOfScope
    if user.role != Role.ADMIN:
        raise OutOfScope()
    banca = session.get(Banca, banca_id)
    if banca is None or not banca.is_active:
        raise NotFound("La banca no existe o está inactiva.")
    login.banca_id = banca.id


def new_device_id() -> str:
    return secrets.token_urlsafe(24)


def make_user(session, *, username: str, name: str, password: str, role: Role, banca_id=None,
              ventana_id=None, code: str | None = None, email: str | None = None,
              phone: str | None = None) -> User:
    """Low-level user creation (seed, org services); callers validate and audit."""
    user = User(id=uuid.uuid4(), username=username, name=name, password_hash=hash_password(password),
                role=role, banca_id=banca_id, ventana_id=ventana_id, code=code, email=email, phone=phone)
    session.add(user)
    return user
