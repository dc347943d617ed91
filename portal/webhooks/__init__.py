"""Webhook endpoints people manage: customer admins their organization's, staff every one
(and the staff teams'). The outbox rows and their delivery stay in `portal.notices` and
`portal.outreach.dispatch`; this package is the endpoints' forms, reads and writes."""
