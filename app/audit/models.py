"""The activity log (DOMAIN §21)."""
from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, created_at, uuid_pk

LAYERS = ("auth", "org", "draws", "restrictions", "commissions", "sales", "accounts", "system")


class ActivityLog(Base):
    __tablename__ = "activity_logs"
    __table_args__ = (
        Index("ix_activity_logs_banca_created", "banca_id", "created_at"),
        Index("ix_activity_logs_target", "target_type", "target_id"),
        Index("ix_activity_logs_action_created", "action", "created_at"),
    )

    id: Mapped[uuid_pk]
    created_at: Mapped[created_at]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    banca_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bancas.id"))
    layer: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(100))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(default=dict)
