"""Staff analytics: the figures that run an escalation practice, by month, filtered and grouped.

Each figure is one set-based query over stored facts (`filters` says which escalations, `sql`
holds the portable pieces), so a page costs the same few statements for ten escalations or a
hundred thousand; `report` puts the answers together for the page, its charts and its CSV.
"""
