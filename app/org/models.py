"""The sales network: bancas → ventanas (vendedores are users, see app/auth/models.py)."""
from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, SoftDeleteMixin, TimestampMixin, uuid_pk

DEFAULT_BANCA_SETTINGS = {
    "ventana_label": "Ventana",
    "vendedor_can_pay": True,
    "reprint_enabled": True,
    "default_paper_width_mm": 80,
    "receipt_header": "",
    "receipt_footer": "",
    "idle_timeout_minutes": 60,
}


class Banca(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "bancas"
    __table_args__ = (
        CheckConstraint("max_sessions_per_vendedor BETWEEN 1 AND 20", name="max_sessions_range"),
        CheckConstraint("vendor_limit IS NULL OR vendor_limit >= 1", name="vendor_limit_positive"),
    )

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    max_sessions_per_vendedor: Mapped[int] = mapped_column(Integer, default=1)
    vendor_limit: Mapped[int | None] = mapped_column(Integer)
    commission_policy: Mapped[dict | None]
    settings: Mapped[dict] = mapped_column(default=lambda: dict(DEFAULT_BANCA_SETTINGS))

    ventanas: Mapped[list[Ventana]] = relationship(back_populates="banca")

    def setting(self, key: str):
        return (self.settings or {}).get(key, DEFAULT_BANCA_SETTINGS.get(key))


class Ventana(TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "ventanas"
    __table_args__ = (
        CheckConstraint("paper_width_mm IS NULL OR paper_width_mm IN (58, 80)", name="paper_width"),
    )

    id: Mapped[uuid_pk]
    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(10), unique=True)
    phone: Mapped[str | None] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(200))
    commission_policy: Mapped[dict | None]
    # Receipt / print settings (UX §2.7).
    print_name: Mapped[str | None] = mapped_column(String(100))
    print_phone: Mapped[str | None] = mapped_column(String(8))
    paper_width_mm: Mapped[int | None] = mapped_column(Integer)
    print_footer: Mapped[str | None] = mapped_column(String(200))
    print_barcode: Mapped[bool] = mapped_column(default=True)
    auto_print: Mapped[bool] = mapped_column(default=False)

    banca: Mapped[Banca] = relationship(back_populates="ventanas")


class ConfigVersion(Base):
    """Bumped in the same transaction as any change to what a sale reads (DOMAIN §11.1)."""

    __tablename__ = "config_versions"

    banca_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bancas.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
