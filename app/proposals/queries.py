"""Reads of proposals: the open missions, the review queue, one proposal."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Proposal, ProposalStatus, Venue, VenueStatus


def open_missions() -> list[Venue]:
    """Missions from the bundled list that are not reported closed, by country and city."""
    return list(
        db.session.scalars(
            select(Venue)
            .where(Venue.import_key.is_not(None), Venue.status != VenueStatus.CLOSED)
            .order_by(Venue.country_code, Venue.city, Venue.name)
        )
    )


def review_queue() -> list[Proposal]:
    """Confirmed proposals waiting for a reviewer, oldest first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.status == ProposalStatus.PENDING)
            .options(selectinload(Proposal.venue))
            .order_by(Proposal.created_at, Proposal.id)
        )
    )


def proposals_with_links() -> list[Proposal]:
    """Proposals whose host holds a working private link, newest first (for revoking)."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.manage_hash.is_not(None))
            .options(selectinload(Proposal.venue), selectinload(Proposal.event))
            .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        )
    )


def get_pending_proposal_or_404(proposal_id: int) -> Proposal:
    """A proposal in the queue; 404 for any other (unconfirmed ones are nobody's business)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.status != ProposalStatus.PENDING:
        abort(404)
    return proposal


def masked_email(address: str | None) -> str:
    """``h***@example.org``: enough for a reviewer to spot a pattern, not to write to it."""
    if not address or "@" not in address:
        return "—"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"
