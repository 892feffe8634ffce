"""Catalogue and draw calendar: loterías, multipliers, sorteos, lista exclusions."""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Enum, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, SoftDeleteMixin, TimestampMixin, multiplier_x, uuid_pk


class MultiplierKind(str, enum.Enum):
    NUMERO = "NUMERO"
    REVENTADO = "REVENTADO"


class SorteoStatus(str, enum.Enum):
    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    EVALUATED = "EVALUATED"

    @property
    def label(self) -> str:
        return {"SCHEDULED": "Programado", "OPEN": "Abierto", "CLOSED": "Cerrado",
                "EVALUATED": "Evaluado"}[self.value]


class Loteria(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "loterias"
    __table_args__ = (UniqueConstraint("banca_id", "name"),)

    id: Mapped[uuid_pk]
    banca_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bancas.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    rules: Mapped[dict] = mapped_column(default=dict)

    multipliers: Mapped[list[LoteriaMultiplier]] = relationship(back_populates="loteria")

    @property
    def digits(self) -> int:
        return int((self.rules or {}).get("digits", 2))

    @property
    def reventado_enabled(self) -> bool:
        return bool(((self.rules or {}).get("reventado") or {}).get("enabled", False))

    @property
    def color(self) -> str:
        return ((self.rules or {}).get("display") or {}).get("color") or "#2563eb"


class LoteriaMultiplier(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "loteria_multipliers"
    __table_args__ = (
        CheckConstraint("value_x > 0", name="value_positive"),
        Index("ix_loteria_multipliers_loteria_kind", "loteria_id", "kind"),
    )

    id: Mapped[uuid_pk]
    loteria_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loterias.id"))
    name: Mapped[str] = mapped_column(String(32))
    value_x: Mapped[multiplier_x]
    kind: Mapped[MultiplierKind] = mapped_column(
        Enum(MultiplierKind, name="multiplier_kind", native_enum=False, length=10))
    applies_to_date: Mapped[date | None]
    applies_to_sorteo_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sorteos.id"))

    loteria: Mapped[Loteria] = relationship(back_populates="multipliers")


class Sorteo(TimestampMixin, Base):
    __tablename__ = "sorteos"
    __table_args__ = (
        UniqueConstraint("loteria_id", "scheduled_at", "banca_id"),
        CheckConstraint("digits IN (2, 3)", name="digits"),
        CheckConstraint("extra_multiplier_x >= 0", name="extra_x_nonneg"),
        Index("ix_sorteos_banca_scheduled", "banca_id", "scheduled_at"),
        Index("ix_sorteos_status_scheduled", "status", "scheduled_at"),
    )

    id: Mapped[uuid_pk]
    loteria_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loterias.id"))
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    name: Mapped[str] = mapped_column(String(100))
    scheduled_at: Mapped[datetime]
    status: Mapped[SorteoStatus] = mapped_column(
        Enum(SorteoStatus, name="sorteo_status", native_enum=False, length=10),
        default=SorteoStatus.SCHEDULED)
    digits: Mapped[int] = mapped_column(Integer, default=2)
    winning_number: Mapped[str | None] = mapped_column(String(3))
    extra_multiplier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("loteria_multipliers.id", use_alter=True))
    extra_multiplier_x: Mapped[multiplier_x] = mapped_column(default=Decimal(0))
    extra_outcome_code: Mapped[str | None] = mapped_column(String(50))
    has_winner: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_by_cascade: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    evaluated_at: Mapped[datetime | None]
    evaluated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    loteria: Mapped[Loteria] = relationship(lazy="joined")


class SorteoListaExclusion(Base):
    __tablename__ = "sorteo_lista_exclusions"
    __table_args__ = (
        UniqueConstraint("sorteo_id", "ventana_id", "vendedor_id", "multiplier_id"),
    )

    id: Mapped[uuid_pk]
    sorteo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sorteos.id"), index=True)
    ventana_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ventanas.id"))
    vendedor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    multiplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loteria_multipliers.id"))
    reason: Mapped[str] = mapped_column(String(500))
    excluded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    excluded_at: Mapped[datetime]
