"""Drills: a scripted escalation run for practice. Staff see it marked everywhere; customers
never see it, hear of it or count it (the tenancy criteria in `portal.isolation`, the notice
guard in `portal.notices.operations` and the analytics filters hold that line)."""
