"""Proactive rules: the scheduler's set-based sweeps that turn due instants into notices.

`sweeps.run_rules()` evaluates every rule once (SLA at risk and breached, missed next-update
commitments, milestones, unacknowledged handoffs, the satisfaction survey). Each sweep is one
`INSERT … SELECT … ON CONFLICT (key) DO NOTHING` into the outbox, so its statement count does
not grow with the number of escalations and the same instant never alerts twice. Administrators
tune the rules at /admin/rules (`portal.rules.settings`).
"""
