"""Venues: Iranian embassies and consulates from the bundled list, and other addresses."""
