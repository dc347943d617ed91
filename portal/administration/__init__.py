"""Administering accounts: organizations, SLA policies, people and invitations.

Above the account models (`portal.accounts`) and the escalations whose clocks and priorities
a change ripples into, so the accounts package stays a base every domain can stand on.
"""
