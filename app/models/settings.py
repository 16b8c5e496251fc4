"""Site settings that admins change in the app, not in the deployment's configuration."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

SETTINGS_ID = 1


class SiteSettings(Base):
    """The one row of settings (id 1); a missing row means every default."""

    __tablename__ = "site_settings"
    __table_args__ = (CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Events of organizers who are not trusted yet wait for a reviewer before they are public.
    review_new_organizers: Mapped[bool] = mapped_column(Boolean, default=False)
