"""Restriction rules (DOMAIN §10): limits, cutoffs and blocked multipliers."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, money, percent, uuid_pk


class RestrictionRule(TimestampMixin, Base):
    __tablename__ = "restriction_rules"
    __table_args__ = (
        CheckConstraint("NOT (ventana_id IS NOT NULL AND user_id IS NOT NULL)", name="one_scope"),
        CheckConstraint("NOT (number IS NOT NULL AND is_auto_date)", name="number_or_auto_date"),
        CheckConstraint("max_amount IS NULL OR max_amount >= 0", name="max_amount_nonneg"),
        CheckConstraint("max_total IS NULL OR max_total >= 0", name="max_total_nonneg"),
        CheckConstraint("max_ticket_total IS NULL OR max_ticket_total >= 0",
                        name="max_ticket_total_nonneg"),
        CheckConstraint("base_amount IS NULL OR base_amount >= 0", name="base_nonneg"),
        CheckConstraint("sales_percentage IS NULL OR (sales_percentage >= 0 AND sales_percentage <= 100)",
                        name="pct_range"),
        CheckConstraint("applies_to_hour IS NULL OR (applies_to_hour >= 0 AND applies_to_hour <= 23)",
                        name="hour_range"),
        CheckConstraint("sales_cutoff_minutes IS NULL OR (sales_cutoff_minutes >= 0 AND sales_cutoff_minutes <= 30)",
                        name="cutoff_range"),
        Index("ix_restriction_rules_banca_active", "banca_id", "is_active"),
    )

    id: Mapped[uuid_pk]
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"))
    ventana_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ventanas.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(3))
    is_auto_date: Mapped[bool] = mapped_column(default=False)
    max_amount: Mapped[money | None]
    max_total: Mapped[money | None]
    max_ticket_total: Mapped[money | None]
    base_amount: Mapped[money | None]
    sales_percentage: Mapped[percent | None]
    applies_to_vendedor: Mapped[bool] = mapped_column(default=False)
    applies_to_date: Mapped[date | None]
    applies_to_hour: Mapped[int | None] = mapped_column(Integer)
    sales_cutoff_minutes: Mapped[int | None] = mapped_column(Integer)
    loteria_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loterias.id"))
    sorteo_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sorteos.id"))
    multiplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loteria_multipliers.id"))
    message: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))
    deactivated_at: Mapped[datetime | None]
    deactivated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Auto-date rules: today's number as stored by the rules job, for display and health (§10.6).
    auto_date_number: Mapped[str | None] = mapped_column(String(3))
    auto_date_refreshed_on: Mapped[date | None]
