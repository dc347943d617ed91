"""Telling people about escalations: what a notice says (rendering, emails), the daily digest,
scheduled notices and broadcasts, the opt-out pages, and the dispatcher that renders and sends
what is due.

It reads escalations to write about them; escalations queue notices through the package below
it (`portal.notices`: the outbox rows, their leases and channels), so neither imports the other
back.
"""
