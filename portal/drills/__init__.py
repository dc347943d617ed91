"""Drills: a scripted escalation run for practice. Staff see it marked everywhere; customers
never see it, hear of it or count it. The tenancy criteria in `portal.isolation`, the notice
queue's closed circle (`portal.notices.audience`, which `audience` joins here, so it holds
wherever the models are loaded) and the analytics filters hold that line."""

from portal.drills import audience  # noqa: F401  (closes the notice circle of drills)
