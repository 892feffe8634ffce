"""Tickets, jugadas, prize payments, the daily counter, exposure accumulators, sales drafts."""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, money, multiplier_x, percent, uuid_pk
from app.draws.models import MultiplierKind


class TicketStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    EVALUATED = "EVALUATED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    EXCLUDED = "EXCLUDED"


class PaymentMethod(str, enum.Enum):
    cash = "cash"
    sinpe = "sinpe"
    transfer = "transfer"
    check = "check"
    other = "other"

    @property
    def label(self) -> str:
        return {"cash": "Efectivo", "sinpe": "SINPE Móvil", "transfer": "Transferencia",
                "check": "Cheque", "other": "Otro"}[self.value]


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("total_amount > 0", name="total_positive"),
        CheckConstraint("total_paid >= 0", name="paid_nonneg"),
        CheckConstraint("print_count >= 0", name="print_count_nonneg"),
        Index("ix_tickets_sorteo_status", "sorteo_id", "status"),
        Index("ix_tickets_banca_business_date", "banca_id", "business_date"),
        Index("ix_tickets_ventana_business_date", "ventana_id", "business_date"),
        Index("ix_tickets_vendedor_business_date", "vendedor_id", "business_date"),
        Index("uq_tickets_idempotency_key", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL"),
              sqlite_where=text("idempotency_key IS NOT NULL")),
    )

    id: Mapped[uuid_pk]
    ticket_number: Mapped[str] = mapped_column(String(20), unique=True)
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    loteria_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loterias.id"))
    sorteo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sorteos.id"))
    ventana_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ventanas.id"))
    vendedor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    business_date: Mapped[date] = mapped_column(Date)
    cliente_nombre: Mapped[str | None] = mapped_column(String(100))
    total_amount: Mapped[money]
    total_commission: Mapped[money] = mapped_column(default=Decimal(0))
    total_listero_commission: Mapped[money] = mapped_column(default=Decimal(0))
    status: Mapped[TicketStatus] = mapped_column(
        Enum(TicketStatus, name="ticket_status", native_enum=False, length=10),
        default=TicketStatus.ACTIVE)
    is_winner: Mapped[bool] = mapped_column(default=False)
    total_payout: Mapped[money] = mapped_column(default=Decimal(0))
    total_paid: Mapped[money] = mapped_column(default=Decimal(0))
    accepted_remainder: Mapped[money] = mapped_column(default=Decimal(0))
    remaining_amount: Mapped[money] = mapped_column(default=Decimal(0))
    last_payment_at: Mapped[datetime | None]
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_by_role: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    idempotency_hash: Mapped[str | None] = mapped_column(String(64))
    sorteo_closed: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    jugadas: Mapped[list[Jugada]] = relationship(back_populates="ticket", order_by="Jugada.position")


class Jugada(Base):
    __tablename__ = "jugadas"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("commission_percent IS NULL OR (commission_percent >= 0 AND commission_percent <= 100)",
                        name="commission_pct_range"),
        Index("ix_jugadas_ticket", "ticket_id"),
        Index("ix_jugadas_sorteo_number", "sorteo_id", "number"),
    )

    id: Mapped[uuid_pk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    # Denormalised from the ticket so evaluation and exposure are one set-based statement.
    sorteo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sorteos.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[MultiplierKind] = mapped_column(
        Enum(MultiplierKind, name="bet_type", native_enum=False, length=10))
    number: Mapped[str] = mapped_column(String(3))
    amount: Mapped[money]
    multiplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loteria_multipliers.id"))
    final_multiplier_x: Mapped[multiplier_x] = mapped_column(default=Decimal(0))
    payout: Mapped[money | None]
    is_winner: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    commission_percent: Mapped[percent] = mapped_column(default=Decimal(0))
    commission_amount: Mapped[money] = mapped_column(default=Decimal(0))
    commission_rule_id: Mapped[str | None] = mapped_column(String(64))
    listero_commission_amount: Mapped[money] = mapped_column(default=Decimal(0))
    is_excluded: Mapped[bool] = mapped_column(default=False)
    excluded_at: Mapped[datetime | None]
    excluded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    excluded_reason: Mapped[str | None] = mapped_column(String(500))

    ticket: Mapped[Ticket] = relationship(back_populates="jugadas")


class TicketPayment(TimestampMixin, Base):
    __tablename__ = "ticket_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_ticket_payments_ticket", "ticket_id"),
    )

    id: Mapped[uuid_pk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"))
    amount: Mapped[money]
    method: Mapped[PaymentMethod] = mapped_column(
        Enum(PaymentMethod, name="payment_method", native_enum=False, length=10))
    reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(500))
    paid_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime]
    is_partial: Mapped[bool] = mapped_column(default=False)
    remaining_after: Mapped[money] = mapped_column(default=Decimal(0))
    is_final: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    idempotency_hash: Mapped[str] = mapped_column(String(64))
    is_reversed: Mapped[bool] = mapped_column(default=False)
    reversed_at: Mapped[datetime | None]
    reversed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reverse_reason: Mapped[str | None] = mapped_column(String(500))


class TicketCounter(Base):
    """One counter per business date for the whole platform (DOMAIN §11.2)."""

    __tablename__ = "ticket_counters"

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class ExposureAccumulator(Base):
    """Live amount per (sorteo, number, scope, filter): the atomic limit check (DOMAIN §11.1)."""

    __tablename__ = "exposure_accumulators"
    __table_args__ = (
        CheckConstraint("scope_type IN ('vendedor', 'ventana', 'banca')", name="scope_type"),
    )

    # The key is the primary key (no surrogate id): the upsert's ON CONFLICT target, and no
    # sequence value burnt per row on every sale (~20 rows a ticket would exhaust an int4 id).
    sorteo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sorteos.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(3), primary_key=True)  # '' for TICKET rows
    scope_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    filter: Mapped[str] = mapped_column(String(40), primary_key=True)  # 'all' | multiplier uuid | 'REVENTADO' | 'TICKET'
    amount: Mapped[money] = mapped_column(default=Decimal(0))


class SalesDraft(Base):
    """The tiquete being built, per user and vendedor sold for (UX §2.9)."""

    __tablename__ = "sales_drafts"
    __table_args__ = (UniqueConstraint("user_id", "vendedor_id"),)

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    vendedor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    sorteo_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sorteos.id"))
    lines: Mapped[list] = mapped_column(default=list)
    cliente_nombre: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
