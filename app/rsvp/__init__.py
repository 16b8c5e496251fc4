"""Supporters' RSVPs: saying "I'll be there" without an account, and managing it."""
