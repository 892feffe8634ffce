"""Account statements (CxC), movements and monthly closings (DOMAIN §17)."""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, money, uuid_pk
from app.sales.models import PaymentMethod


class MovementType(str, enum.Enum):
    payment = "payment"
    collection = "collection"


class AccountStatement(TimestampMixin, Base):
    __tablename__ = "account_statements"
    __table_args__ = (
        Index("uq_statement_vendedor_day", "date", "vendedor_id", unique=True,
              postgresql_where=text("vendedor_id IS NOT NULL"),
              sqlite_where=text("vendedor_id IS NOT NULL")),
        Index("uq_statement_ventana_day", "date", "ventana_id", unique=True,
              postgresql_where=text("ventana_id IS NOT NULL AND vendedor_id IS NULL"),
              sqlite_where=text("ventana_id IS NOT NULL AND vendedor_id IS NULL")),
        Index("uq_statement_banca_day", "date", "banca_id", unique=True,
              postgresql_where=text("ventana_id IS NULL AND vendedor_id IS NULL"),
              sqlite_where=text("ventana_id IS NULL AND vendedor_id IS NULL")),
        Index("ix_account_statements_banca_date", "banca_id", "date"),
    )

    id: Mapped[uuid_pk]
    date: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    ventana_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ventanas.id"))
    vendedor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    total_sales: Mapped[money] = mapped_column(default=Decimal(0))
    total_payouts: Mapped[money] = mapped_column(default=Decimal(0))
    listero_commission: Mapped[money] = mapped_column(default=Decimal(0))
    vendedor_commission: Mapped[money] = mapped_column(default=Decimal(0))
    balance: Mapped[money] = mapped_column(default=Decimal(0))
    total_paid: Mapped[money] = mapped_column(default=Decimal(0))
    total_collected: Mapped[money] = mapped_column(default=Decimal(0))
    remaining_balance: Mapped[money] = mapped_column(default=Decimal(0))
    ticket_count: Mapped[int] = mapped_column(Integer, default=0)
    is_balanced: Mapped[bool] = mapped_column(default=False)
    can_edit: Mapped[bool] = mapped_column(default=True)
    settled_at: Mapped[datetime | None]
    settled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class AccountPayment(TimestampMixin, Base):
    __tablename__ = "account_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_account_payments_banca_date", "banca_id", "date"),
    )

    id: Mapped[uuid_pk]
    statement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account_statements.id"))
    date: Mapped[date] = mapped_column(Date)
    time: Mapped[str] = mapped_column(String(5), default="00:00")
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    ventana_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ventanas.id"))
    vendedor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    type: Mapped[MovementType] = mapped_column(
        Enum(MovementType, name="movement_type", native_enum=False, length=10))
    amount: Mapped[money]
    method: Mapped[PaymentMethod] = mapped_column(
        Enum(PaymentMethod, name="payment_method", native_enum=False, length=10))
    reference: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(500))
    paid_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    paid_by_name: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    idempotency_hash: Mapped[str] = mapped_column(String(64))
    is_reversed: Mapped[bool] = mapped_column(default=False)
    reversed_at: Mapped[datetime | None]
    reversed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reverse_reason: Mapped[str | None] = mapped_column(String(500))


class MonthlyClosingBalance(TimestampMixin, Base):
    __tablename__ = "monthly_closing_balances"
    __table_args__ = (
        Index("uq_monthly_closing_entity", "month", "dimension", "banca_id", "ventana_id",
              "vendedor_id", unique=True),
    )

    id: Mapped[uuid_pk]
    month: Mapped[str] = mapped_column(String(7))
    dimension: Mapped[str] = mapped_column(String(10))
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    ventana_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ventanas.id"))
    vendedor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closing_balance: Mapped[money] = mapped_column(default=Decimal(0))
    total_sales: Mapped[money] = mapped_column(default=Decimal(0))
    total_payouts: Mapped[money] = mapped_column(default=Decimal(0))
    total_commission: Mapped[money] = mapped_column(default=Decimal(0))
    total_paid: Mapped[money] = mapped_column(default=Decimal(0))
    total_collected: Mapped[money] = mapped_column(default=Decimal(0))
    ticket_count: Mapped[int] = mapped_column(Integer, default=0)
