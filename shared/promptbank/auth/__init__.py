"""Accounts, credentials and the principal a request acts as."""
