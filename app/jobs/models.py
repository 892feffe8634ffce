"""Job configuration and health (DOMAIN §4 "Job configs", §18)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin


class JobState(TimestampMixin, Base):
    """One row per periodic job: its flag, settings, and last run."""

    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(default=dict)
    last_run_at: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(String(20))  # ok | error
    last_message: Mapped[str | None] = mapped_column(String(500))
    last_count: Mapped[int] = mapped_column(Integer, default=0)
    last_duration_ms: Mapped[int] = mapped_column(Integer, default=0)
