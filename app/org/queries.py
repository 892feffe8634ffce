"""Read side of the sales network: list pages, counts and uniqueness look-ups."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.auth.models import Role, User
from app.org.models import Banca, Ventana

PER_PAGE = 25
ESTADOS = ("activos", "inactivos", "todos")


@dataclass(frozen=True)
class ListArgs:
    """Parsed, whitelisted filters of a list page."""

    q: str = ""
    estado: str = "activos"
    orden: str = "nombre"
    page: int = 1
    rol: str = ""
    ventana_id: uuid.UUID | None = None

    def url_args(self, **changes) -> dict:
        """Query-string arguments that reproduce this listing (for links and pagination)."""
        args = {"q": self.q, "estado": self.estado, "orden": self.orden, "rol": self.rol,
                "ventana": str(self.ventana_id) if self.ventana_id else ""}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in ("", None)}


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int = PER_PAGE
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, (self.total + self.per_page - 1) // self.per_page)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _estado(stmt, model, estado: str):
    if estado == "activos":
        return stmt.where(model.is_active.is_(True))
    if estado == "inactivos":
        return stmt.where(model.is_active.is_(False))
    return stmt


def _paginate(session, stmt, order_by, page: int, per_page: int = PER_PAGE) -> Page:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(page, 1), pages)
    items = session.execute(stmt.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=[row[0] if len(row) == 1 else row for row in items], total=total, page=page,
                per_page=per_page)


def _order(sorts: dict, orden: str):
    key = orden.lstrip("-")
    columns = sorts.get(key) or next(iter(sorts.values()))
    if orden.startswith("-"):
        return [c.desc() for c in columns]
    return list(columns)


BANCA_SORTS = {"nombre": (Banca.name,), "codigo": (Banca.code,), "creada": (Banca.created_at, Banca.name)}
VENTANA_SORTS = {"nombre": (Ventana.name,), "codigo": (Ventana.code,), "creada": (Ventana.created_at,)}
USER_SORTS = {"nombre": (User.name,), "usuario": (User.username,), "rol": (User.role, User.name),
              "codigo": (User.code, User.name), "ventana": (Ventana.name, User.name),
              "creado": (User.created_at,)}


def banca_page(session, args: ListArgs) -> Page:
    """Bancas for the ADMIN list, with their number of ventanas."""
    ventanas = (select(func.count(Ventana.id)).where(Ventana.banca_id == Banca.id,
                                                     Ventana.is_active.is_(True))
                .correlate(Banca).scalar_subquery())
    stmt = _estado(select(Banca, ventanas.label("ventanas")), Banca, args.estado)
    if args.q:
        like = _like(args.q)
        stmt = stmt.where(or_(func.lower(Banca.name).like(like, escape="\\"),
                              func.lower(Banca.code).like(like, escape="\\"),
                              func.lower(func.coalesce(Banca.email, "")).like(like, escape="\\"),
                              func.coalesce(Banca.phone, "").like(like, escape="\\")))
    return _paginate(session, stmt, [*_order(BANCA_SORTS, args.orden), Banca.id], args.page)


def ventana_page(session, args: ListArgs, *, banca_id) -> Page:
    """Ventanas of one banca (all bancas when banca_id is None), with their active vendedores."""
    vendedores = (select(func.count(User.id)).where(User.ventana_id == Ventana.id, User.role == Role.VENDEDOR,
                                                    User.is_active.is_(True))
                  .correlate(Ventana).scalar_subquery())
    stmt = _estado(select(Ventana, vendedores.label("vendedores")), Ventana, args.estado)
    if banca_id is not None:
        stmt = stmt.where(Ventana.banca_id == banca_id)
    if args.q:
        like = _like(args.q)
        stmt = stmt.where(or_(func.lower(Ventana.name).like(like, escape="\\"),
                              func.lower(Ventana.code).like(like, escape="\\"),
                              func.lower(func.coalesce(Ventana.email, "")).like(like, escape="\\"),
                              func.coalesce(Ventana.phone, "").like(like, escape="\\")))
    return _paginate(session, stmt, [*_order(VENTANA_SORTS, args.orden), Ventana.id], args.page)


def user_page(session, args: ListArgs, *, banca_id=None, ventana_id=None,
              roles: tuple[Role, ...] | None = None) -> Page:
    """Users of a banca (ADMINs included) or of one ventana, filtered as the list page asks."""
    stmt = select(User).outerjoin(Ventana, Ventana.id == User.ventana_id)
    stmt = _estado(stmt, User, args.estado)
    if ventana_id is not None:
        stmt = stmt.where(User.ventana_id == ventana_id)
    elif banca_id is not None:
        stmt = stmt.where(or_(Ventana.banca_id == banca_id, User.role == Role.ADMIN))
    if roles:
        stmt = stmt.where(User.role.in_(roles))
    if args.rol in Role.__members__:
        stmt = stmt.where(User.role == Role(args.rol))
    if args.ventana_id is not None and ventana_id is None:
        stmt = stmt.where(User.ventana_id == args.ventana_id)
    if args.q:
        like = _like(args.q)
        stmt = stmt.where(or_(func.lower(User.name).like(like, escape="\\"),
                              func.lower(User.username).like(like, escape="\\"),
                              func.lower(func.coalesce(User.code, "")).like(like, escape="\\"),
                              func.lower(func.coalesce(User.email, "")).like(like, escape="\\")))
    return _paginate(session, stmt, [*_order(USER_SORTS, args.orden), User.id], args.page)


# --------------------------------------------------------------------------- look-ups

def bancas_for_select(session, *, include_id=None) -> list[Banca]:
    stmt = select(Banca).where(or_(Banca.is_active.is_(True), Banca.id == include_id)).order_by(Banca.name)
    return list(session.scalars(stmt))


def ventanas_for_select(session, *, banca_id=None, include_id=None) -> list[Ventana]:
    """Active ventanas (of one banca when given), plus `include_id` whatever its state or banca."""
    cond = Ventana.is_active.is_(True)
    if banca_id is not None:
        cond = cond & (Ventana.banca_id == banca_id)
    if include_id is not None:
        cond = or_(cond, Ventana.id == include_id)
    return list(session.scalars(select(Ventana).where(cond).order_by(Ventana.name)))


def ventanas_of_banca(session, banca_id) -> list[Ventana]:
    return list(session.scalars(select(Ventana).where(Ventana.banca_id == banca_id)
                                .order_by(Ventana.is_active.desc(), Ventana.name)))


def count_active_vendedores(session, banca_id, *, exclude_ids=()) -> int:
    """Active VENDEDOR users whose ventana belongs to the banca (DOMAIN §20 vendor_limit)."""
    stmt = (select(func.count(User.id)).join(Ventana, Ventana.id == User.ventana_id)
            .where(Ventana.banca_id == banca_id, User.role == Role.VENDEDOR, User.is_active.is_(True)))
    if exclude_ids:
        stmt = stmt.where(User.id.not_in(list(exclude_ids)))
    return session.scalar(stmt) or 0


def vendedor_ids_of_banca(session, banca_id) -> list[uuid.UUID]:
    return list(session.scalars(select(User.id).join(Ventana, Ventana.id == User.ventana_id)
                                .where(Ventana.banca_id == banca_id, User.role == Role.VENDEDOR)))


def user_ids_of_ventana(session, ventana_id) -> list[uuid.UUID]:
    return list(session.scalars(select(User.id).where(User.ventana_id == ventana_id)))


def user_ids_of_banca(session, banca_id) -> list[uuid.UUID]:
    """Every non-ADMIN user working in the banca."""
    return list(session.scalars(select(User.id).join(Ventana, Ventana.id == User.ventana_id)
                                .where(Ventana.banca_id == banca_id)))


def count_active_admins(session, *, exclude_id=None) -> int:
    stmt = select(func.count(User.id)).where(User.role == Role.ADMIN, User.is_active.is_(True))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return session.scalar(stmt) or 0


def _taken(session, column, value, model, exclude_id, *, lower: bool = False) -> bool:
    if value is None:
        return False
    expr = func.lower(column) if lower else column
    stmt = select(model.id).where(expr == (value.lower() if lower else value))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return session.scalar(stmt.limit(1)) is not None


def banca_name_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, Banca.name, value, Banca, exclude_id, lower=True)


def banca_code_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, Banca.code, value, Banca, exclude_id, lower=True)


def ventana_code_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, Ventana.code, value, Ventana, exclude_id, lower=True)


def username_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, User.username, value, User, exclude_id, lower=True)


def email_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, User.email, value, User, exclude_id, lower=True)


def user_code_taken(session, value, exclude_id=None) -> bool:
    return _taken(session, User.code, value, User, exclude_id, lower=True)


def users_by_ids(session, ids) -> list[User]:
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(list(ids)))))

