"""Identity: users (ADMIN, VENTANA, VENDEDOR) and their server-side login sessions."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, SoftDeleteMixin, TimestampMixin, uuid_pk


class Role(str, enum.Enum):
    ADMIN = "ADMIN"
    VENTANA = "VENTANA"
    VENDEDOR = "VENDEDOR"

    @property
    def label(self) -> str:
        return {"ADMIN": "Administrador", "VENTANA": "Ventana", "VENDEDOR": "Vendedor"}[self.value]


class User(UserMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role = 'ADMIN' OR ventana_id IS NOT NULL", name="ventana_required"),
        CheckConstraint("max_sessions IS NULL OR max_sessions BETWEEN 1 AND 20",
                        name="max_sessions_range"),
        Index("uq_users_username_lower", text("lower(username)"), unique=True),
    )

    id: Mapped[uuid_pk]
    username: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=10))
    banca_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bancas.id"), index=True)
    ventana_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ventanas.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(10), unique=True)
    commission_policy: Mapped[dict | None]
    settings: Mapped[dict] = mapped_column(default=dict)
    max_sessions: Mapped[int | None] = mapped_column(Integer)
    # Bumped whenever role/ventana/banca/active/password change: invalidates cached identity.
    identity_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None]
    # Declared here because flask_login.UserMixin.is_active (a plain property, first in the MRO)
    # would otherwise hide SoftDeleteMixin's column: the table had no is_active at all.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"), nullable=False)

    banca = relationship("Banca", lazy="joined")
    ventana = relationship("Ventana", lazy="joined")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:  # Flask-Login: the session token is resolved separately
        return str(self.id)


class LoginSession(TimestampMixin, Base):
    """One server-side session row per device (DOMAIN §20); revoking it logs the device out."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_live", "user_id", "revoked"),)

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    banca_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bancas.id"))
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    device_name: Mapped[str | None] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()
