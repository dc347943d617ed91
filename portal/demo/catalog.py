"""What the demo escalations are about: one kit per product area, then the scenarios.

A kit holds what every escalation in a product area shares (hosts, signals, the plan's
milestones, remediation steps and exit criteria); a scenario holds what is particular to one
escalation (title, impact, cause, fix, where it stands now). `timeline.py` turns them into
history.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.enums import Party, ReputationalRisk, Status, Tier, Trigger

V, C = Party.VENDOR, Party.CUSTOMER
HIGH, MEDIUM = ReputationalRisk.HIGH, ReputationalRisk.MEDIUM
DAY = 24  # hours


@dataclass(frozen=True)
class Kit:
    component: str
    environment: str
    hosts: tuple[str, ...]
    signals: tuple[str, ...]  # what an engineer sees on a dashboard (internal)
    reassurance: str  # said to the customer in the first update
    ask: str  # what we need from the customer while waiting on them
    workaround: str  # why the escalation counts as contained
    milestones: tuple[str, str, str]
    internal_milestone: str
    steps: tuple[tuple[str, Party, str, str], ...]  # title, owner, validation test, metric
    internal_step: tuple[str, str, str]
    exits: tuple[str, str]


KITS: dict[str, Kit] = {
    "Public API": Kit(
        "public API gateway", "prod-eu-west and prod-us-east, API v3, edge behind Fastly",
        ("api-gw-euw-03.prod.clearpath.internal", "api-gw-euw-07.prod.clearpath.internal",
         "pgbouncer-api-2.prod.clearpath.internal"),
        ("p99 at 2.8 s and 11 % 5xx on `/v3/shipments`", "`cl_waiting` at 412 on pgbouncer"),
        "Your data is safe: no requests were lost, only refused, and retries succeed.",
        "a HAR file or request ids (`X-Request-Id`) from three failing calls",
        "Traffic for your account now runs through a healthy gateway pool; error rates are "
        "back to normal while we fix the cause.",
        ("Root cause confirmed", "Fix deployed to production", "Error rate normal for 24 hours"),
        "Post-incident review drafted",
        (("Deploy the gateway fix region by region", V, "Load test at 3× peak on staging",
          "p99 below 400 ms and 5xx below 0.1 %"),
         ("Replay failed calls from your integration's retry queue", C,
          "Retry queue drained without errors", "Zero calls left in the dead-letter queue"),
         ("Confirm your critical workflows end to end", C, "Morning run completes normally",
          "No API errors in your monitoring for 24 hours")),
        ("Alert on pool saturation above 80 %", "Chaos drill on staging pages on-call",
         "Page within 2 minutes of saturation"),
        ("5xx rate below 0.1 % for 72 hours", "No manual restarts needed in that time"),
    ),
    "Single sign-on": Kit(
        "single sign-on service", "prod auth cluster, SAML 2.0 and OIDC, session store on Redis",
        ("auth-sso-01.prod.clearpath.internal", "auth-sso-02.prod.clearpath.internal",
         "redis-sessions-3.prod.clearpath.internal"),
        ("`saml_assertion_rejected` up 40× since the morning", "audience/issuer mismatch "
         "in 60 % of failed assertions"),
        "Passwords and accounts are unaffected; this only concerns the sign-in handshake.",
        "a SAML trace (SAML-tracer export) or OIDC network log from an affected workstation",
        "Affected users can sign in through the temporary fallback we enabled, so nobody is "
        "locked out while we fix the cause.",
        ("Root cause confirmed", "Fix live on the SSO service", "Sign-in verified with your IdP"),
        "Update the SSO troubleshooting runbook",
        (("Ship the SSO fix and refresh your tenant's IdP metadata", V,
          "Test sign-in with three affected accounts", "All three sign in at the first attempt"),
         ("Re-test sign-in from an affected site", C, "Sign-in from the site's network",
          "No redirect loops or errors for a full shift"),
         ("Retire the temporary fallback accounts", C, "Fallback accounts disabled",
          "Zero sign-ins through fallback accounts")),
        ("Alert on assertion rejections per tenant", "Replay of today's failures fires it",
         "Alert within 5 minutes of a spike"),
        ("Sign-in success rate above 99.5 % for a week", "No fallback accounts in use"),
    ),
    "Data sync": Kit(
        "data sync pipeline", "prod sync workers on Kafka, connectors EDI/HL7/webhooks",
        ("sync-worker-eu-12.prod.clearpath.internal", "kafka-broker-4.prod.clearpath.internal",
         "sync-worker-eu-15.prod.clearpath.internal"),
        ("consumer lag 48k messages on partition 7", "retry queue at 19k and growing"),
        "No records are lost: everything is queued and will be delivered in order.",
        "the connector log from your side for the last 24 hours and two example record ids",
        "Records flow again through a dedicated queue and the backlog is drained; delays are "
        "back to normal while we fix the cause.",
        ("Root cause confirmed", "Backlog fully drained", "Fix live on all sync workers"),
        "Capacity review of the sync cluster",
        (("Deploy the connector fix to all sync workers", V,
          "Replay yesterday's traffic on staging", "End-to-end delay under 60 seconds at p95"),
         ("Reconcile records received during the incident", C,
          "Reconciliation report shows no gaps", "Zero missing or duplicate records"),
         ("Confirm the next scheduled batch completes on time", C, "Batch log reviewed",
          "Batch finishes inside its window")),
        ("Add a lag alert per connector", "Synthetic lag on staging pages on-call",
         "Page when lag exceeds 5 minutes"),
        ("Delivery delay under 60 seconds at p95 for 72 hours", "No duplicate records created"),
    ),
    "Reporting & exports": Kit(
        "reporting and export service", "prod reporting cluster, exports to S3, PDF renderer v4",
        ("reports-01.prod.clearpath.internal", "export-runner-3.prod.clearpath.internal"),
        ("export job `monthly_compliance` finished with 0 warnings but 12 % fewer rows",
         "renderer template v4.3 deployed on the 2nd"),
        "The underlying records are correct; only the generated files are affected.",
        "one affected export file and the filters you used to generate it",
        "Corrected files are available for download while we fix the export itself.",
        ("Root cause confirmed", "Corrected exports regenerated", "Fix released"),
        "Add an export regression test",
        (("Fix the export and regenerate the affected files", V,
          "Diff regenerated files against source records", "100 % of rows match"),
         ("Check the regenerated files against your own records", C,
          "Spot check of 50 rows", "No discrepancies found"),
         ("Replace downstream copies of the old files", C, "Old files removed from shares",
          "Only corrected files in circulation")),
        ("Row-count check on every scheduled export", "Check catches the original bug",
         "Mismatch alerts before the file is published"),
        ("Two consecutive scheduled exports verified correct", "No manual corrections needed"),
    ),
    "Mobile app": Kit(
        "mobile app", "iOS and Android app 5.8.x, push via FCM/APNs, API v3 backend",
        ("mobile-api-02.prod.clearpath.internal", "push-gw-1.prod.clearpath.internal"),
        ("crash-free sessions down to 96.1 % on the affected OS version",
         "error `E_UPLOAD_413` in 31 % of sessions today"),
        "Data entered on the phones is kept on the device and uploads once this is fixed.",
        "diagnostics from an affected phone (Settings → Help → Send diagnostics) and its "
        "OS version",
        "A server-side workaround restores the affected feature for every driver while the "
        "app update goes through store review.",
        ("Root cause confirmed", "App update submitted to the stores", "Update rolled out"),
        "Add the OS version to the device test matrix",
        (("Release the app update through both stores", V, "Release candidate on 12 test "
          "devices", "Crash-free sessions above 99.8 %"),
         ("Roll the update out through your device management", C, "MDM report",
          "95 % of devices on the new version")),
        ("Extend UI tests to the new OS version", "Nightly run green", "No untested OS version"),
        ("The affected feature works on all supported OS versions", "No new reports for a week"),
    ),
    "Notifications": Kit(
        "notification service", "prod notify workers, email via SES, SMS via Twilio, FCM/APNs",
        ("notify-worker-04.prod.clearpath.internal", "notify-worker-06.prod.clearpath.internal"),
        ("delivery rate 71 % for the affected channel vs 99 % baseline",
         "`dispatch_skipped` counter up since the last deploy"),
        "No messages are lost: undelivered notifications are kept and can be re-sent.",
        "three examples with recipient, expected time and what arrived (screenshots help)",
        "Notifications are delivered again through a fallback route; we are fixing the main "
        "route.",
        ("Root cause confirmed", "Fix deployed", "Delivery rate back to baseline"),
        "Add delivery-rate alerting per channel",
        (("Deploy the notification fix", V, "Send test notifications to the affected group",
          "Delivery above 99 % within 60 seconds"),
         ("Confirm delivery with a sample of recipients", C, "Ten recipients confirm",
          "All ten received the test message")),
        ("Per-channel delivery dashboard and alert", "Alert fires on a simulated drop",
         "Page when delivery falls below 95 %"),
        ("Delivery above 99 % for 72 hours", "No duplicates reported by recipients"),
    ),
    "Payments": Kit(
        "payments service", "prod payments, Stripe and Adyen connectors, ledger on PostgreSQL",
        ("payments-03.prod.clearpath.internal", "ledger-db-1.prod.clearpath.internal"),
        ("`webhook_signature_invalid` on 100 % of provider callbacks since 02:10",
         "1,873 purchases in `pending` older than 15 minutes"),
        "No card has been charged twice and no payment data has been exposed.",
        "the provider's event ids for three affected purchases",
        "New purchases complete normally again; we are reconciling the affected ones.",
        ("Root cause confirmed", "Fix deployed", "Affected purchases reconciled"),
        "Reconciliation report for finance",
        (("Deploy the payments fix and reconcile affected purchases", V,
          "Reconciliation against provider settlement", "Zero unmatched purchases"),
         ("Review refunds and player support tickets", C, "Support queue reviewed",
          "No open tickets about stuck purchases")),
        ("Alert on callback signature failures", "Replay of the incident fires it",
         "Page within 5 minutes"),
        ("Purchase success rate at baseline for 72 hours", "Settlement report fully reconciled"),
    ),
    "File storage": Kit(
        "file storage service", "prod object storage (S3 + CloudFront), upload proxy v2",
        ("upload-proxy-2.prod.clearpath.internal", "upload-proxy-5.prod.clearpath.internal"),
        ("upload proxy OOM-killed 14 times in the last hour", "multipart uploads aborted at "
         "part 1 for large files"),
        "Files already stored are safe and intact.",
        "the size and type of a failing file and the exact time of one failed attempt",
        "Large files go through a direct-to-storage upload path while we fix the proxy.",
        ("Root cause confirmed", "Fix deployed to the upload proxy", "Large uploads verified"),
        "Capacity test for the largest customers' files",
        (("Deploy the upload fix", V, "Upload 5 GB test files 20 times",
          "20 of 20 uploads complete"),
         ("Re-upload the files that failed", C, "Re-upload list worked through",
          "All failed files present and readable")),
        ("Memory alert on the upload proxy", "Load test triggers it", "Page at 85 % memory"),
        ("Uploads up to 10 GB succeed for a week", "No proxy restarts in that time"),
    ),
    "Search": Kit(
        "search service", "prod OpenSearch 2.x cluster, indexer on Kafka",
        ("search-data-05.prod.clearpath.internal", "search-indexer-2.prod.clearpath.internal"),
        ("indexer lag 22 minutes on the shipments index", "query p95 at 6.4 s for the "
         "affected queries"),
        "Nothing is lost: the records are correct; only what search shows is affected.",
        "three example searches with what you expected to find",
        "Affected searches return correct results through a fallback query while we fix "
        "the index.",
        ("Root cause confirmed", "Index rebuilt", "Fix live"),
        "Search relevance regression suite",
        (("Deploy the indexing fix and rebuild the index", V, "Replay 1,000 logged queries",
          "Results match the database for all of them"),
         ("Re-run your saved searches", C, "Saved searches checked",
          "Every saved search returns what it should")),
        ("Alert on indexer lag", "Synthetic lag fires it", "Page when lag exceeds 2 minutes"),
        ("Search results match the records for 72 hours", "p95 query time under 800 ms"),
    ),
    "Billing": Kit(
        "billing service", "prod billing, invoice PDF renderer v4, multi-currency ledger",
        ("billing-01.prod.clearpath.internal", "pdf-render-2.prod.clearpath.internal"),
        ("currency symbol taken from the account default, not the invoice", "412 invoices "
         "rendered since the template change"),
        "Amounts and currencies in our ledger are correct; only the PDF layout is wrong.",
        "one affected invoice number",
        "Corrected PDFs are available while we fix the template.",
        ("Root cause confirmed", "Corrected invoices issued", "Template fix released"),
        "Add currency cases to the invoice test suite",
        (("Fix the invoice template and reissue affected invoices", V,
          "Render one invoice per currency", "Symbols match the invoice currency"),
         ("Forward corrected invoices to your accounts payable", C, "AP confirms receipt",
          "No disputed invoices")),
        ("Currency snapshot tests for the template", "Tests fail on the old template",
         "Every currency covered"),
        ("All reissued invoices accepted", "Next billing run correct"),
    ),
}


@dataclass(frozen=True)
class Scenario:
    """One escalation's story. Times are hours before seeding ("now")."""

    org: str
    severity: int
    status: Status
    opened: float
    title: str
    area: str
    category: str
    ticket: str
    trigger: Trigger
    users: int
    summary: str
    impact: str
    cause: str  # reads after "We have found the cause: "
    fix: str  # reads after "we will "
    blocked: bool = False
    risk: ReputationalRisk = ReputationalRisk.LOW
    tier: Tier = Tier.L1
    peak: Tier | None = None  # climbed this high, then de-escalated back to `tier`
    opened_severity: int | None = None  # opened at this severity, changed to `severity` later
    ack_after: int | None = None  # minutes to acknowledge; default: well within the target
    pending_handoff: bool = False  # the last ownership transfer is not acknowledged yet
    resolved: float | None = None
    closed: float | None = None
    reopened: float | None = None
    reopen_reason: str = ""
    resolution: str = ""
    comment: str = ""  # a customer comment on the timeline
    comment_by: str = "viewer"  # or "executive", "customer_admin"
    stale_update: bool = False  # the last "next update by" promise has passed
    late_milestone: bool = False

    @property
    def was_resolved(self) -> bool:
        return self.resolved is not None


S, St, T, Tr = Scenario, Status, Tier, Trigger

SCENARIOS: list[Scenario] = [
    # ── Northwind Freight (strategic, Premier 24×7, Europe/Berlin) ─────────────────────────
    S("northwind", 1, St.NEW, 3, "Driver app cannot upload proof-of-delivery photos",
      "Mobile app", "Outage", "ZD-48213", Tr.MONITORING_SIGNAL, 1200,
      "Every proof-of-delivery photo upload fails with `Upload failed (413)`; drivers cannot "
      "close their stops.",
      "1,200 drivers in Germany and the Netherlands cannot complete deliveries; stops pile up "
      "and recipients get no delivery confirmation.",
      "this morning's CDN change lowered the upload size limit to 1 MB, so full-resolution "
      "photos are refused",
      "restore the 10 MB limit at the edge and add it to our CDN change checklist",
      blocked=True, risk=HIGH, comment_by="executive",
      comment="We still have no acknowledgement on this and our depots are stacking "
              "undelivered stops. Please call me immediately."),
    S("northwind", 2, St.INVESTIGATING, 19.35, "Shipment status webhooks delayed by up to "
      "40 minutes", "Data sync", "Performance", "ZD-48190", Tr.CUSTOMER_REQUEST, 300,
      "Webhook deliveries for `shipment.status_changed` arrive 15–40 minutes late since "
      "yesterday afternoon.",
      "Northwind's customer notifications send stale ETAs; about 300 dispatchers work from "
      "out-of-date statuses.",
      "one webhook worker partition is stuck behind a burst of retries to an endpoint that "
      "times out",
      "move slow endpoints to their own retry queue and drain the backlog",
      risk=MEDIUM, tier=T.L2, ack_after=18),
    S("northwind", 1, St.INVESTIGATING, 6, "Tracking API returning 503 for EU-West traffic",
      "Public API", "Outage", "ZD-48201", Tr.SEVERITY, 5000,
      "About a third of Tracking API calls from EU-West answer 503 Service Unavailable.",
      "Northwind's customer portal and its partner carriers cannot show shipment positions "
      "for a third of requests.",
      "a configuration change in gateway release 7.14 halved the connection pool that serves "
      "EU-West traffic",
      "roll out gateway 7.14.1 with the pool restored and add pool sizes to our release checks",
      blocked=True, risk=HIGH, tier=T.MANAGEMENT, ack_after=9, comment_by="executive",
      comment="Our carriers are escalating to us now. Will the 17:00 pick-up window be "
              "affected?"),
    S("northwind", 3, St.ACKNOWLEDGED, 2, "Customs declaration PDF shows wrong HS codes for "
      "mixed pallets", "Reporting & exports", "Data integrity", "ZD-48222",
      Tr.CUSTOMER_REQUEST, 15,
      "Customs declaration PDFs repeat the first item's HS code on every line of a mixed "
      "pallet.",
      "The customs team corrects about 40 declarations a day by hand.",
      "the PDF template reads the HS code from the pallet header instead of each line",
      "fix the template mapping and regenerate the affected declarations", risk=MEDIUM),
    S("northwind", 2, St.WAITING_ON_CUSTOMER, 30, "SAML sign-in loops for users at the "
      "Rotterdam depot", "Single sign-on", "Access", "ZD-48102", Tr.TIME_IN_STATUS, 80,
      "Users at the Rotterdam depot are sent back to the identity provider in a loop after "
      "signing in.",
      "80 depot staff share a fallback account, which Northwind's security team wants retired "
      "within days.",
      "the depot's web proxy strips the `SameSite=None` session cookie set after the SAML "
      "response",
      "move the SAML session cookie to a first-party path and confirm the depot proxy settings",
      blocked=True, tier=T.L2),
    S("northwind", 2, St.CONTAINED, 14, "Bulk shipment imports time out after 10:00 CET",
      "Data sync", "Performance", "ZD-48166", Tr.SEVERITY, 150,
      "Bulk CSV imports of more than 5,000 shipments time out once morning traffic peaks.",
      "Planners split imports by hand; the 11:00 line-haul departures were planned late.",
      "the import job takes a table lock that collides with the morning re-indexing job",
      "import in batches that do not lock the table and move re-indexing off-peak",
      blocked=True, risk=MEDIUM, tier=T.L2, peak=T.L3),
    S("northwind", 3, St.INVESTIGATING, 48, "Push notifications not delivered to Android 14 "
      "driver phones", "Notifications", "Bug", "ZD-48077", Tr.CUSTOMER_REQUEST, 420,
      "Drivers on Android 14 phones stopped receiving new-stop push notifications.",
      "About 420 drivers refresh the app by hand to see new stops; re-routed stops get missed.",
      "Android 14 silences notifications sent on our app's legacy channel, which was never "
      "migrated",
      "ship an app update that registers the new notification channel",
      tier=T.L3, pending_handoff=True),
    S("northwind", 4, St.NEW, 0.67, "Typo in the German delivery receipt email",
      "Notifications", "Bug", "ZD-48231", Tr.CUSTOMER_REQUEST, 0,
      "The German delivery receipt says „Lieferbestätigun“ in its subject line.",
      "Cosmetic; Northwind's brand team wants it fixed before the next campaign.",
      "a truncated string in the German translation file",
      "correct the translation and add a length check for subject lines"),
    S("northwind", 2, St.RESOLVED, 4 * DAY, "Invoice CSV export missing freight surcharges",
      "Reporting & exports", "Data integrity", "ZD-47980", Tr.CUSTOMER_REQUEST, 12,
      "The invoice CSV export leaves out freight surcharges added after the first invoice run.",
      "Northwind's finance team cannot reconcile March and April; month-end close is blocked.",
      "the export query skipped surcharge lines added after an invoice was first generated",
      "include late surcharge lines in the export and regenerate March and April",
      risk=MEDIUM, tier=T.L2, resolved=4 * DAY - 20,
      resolution="Late surcharge lines were left out of the CSV export. We fixed the export "
                 "query and regenerated the March and April files; Northwind's finance team "
                 "confirmed the totals match the invoices."),
    S("northwind", 1, St.CLOSED, 24 * DAY, "Complete outage of the shipment tracking portal",
      "Public API", "Outage", "ZD-47511", Tr.MONITORING_SIGNAL, 8000,
      "The tracking portal and API refuse every connection with a TLS error.",
      "Nobody at Northwind or its carriers can see or update shipments.",
      "an expired intermediate TLS certificate on the EU load balancers breaks every handshake",
      "rotate the certificate and put every edge certificate under automated renewal",
      blocked=True, risk=HIGH, tier=T.MANAGEMENT, resolved=24 * DAY - 5, closed=21 * DAY,
      comment_by="executive",
      comment="Thank you for the bridge call. Please include the full timeline in the "
              "post-incident report for our board.",
      resolution="An expired intermediate certificate on the EU load balancers broke every "
                 "TLS handshake for 3 h 40 min. We rotated it, moved all edge certificates "
                 "under automated renewal with alerts 30 days before expiry, and published the "
                 "post-incident review."),
    S("northwind", 3, St.CLOSED, 15 * DAY, "Geofence alerts fire twice for the same stop",
      "Mobile app", "Bug", "ZD-47744", Tr.CUSTOMER_REQUEST, 260,
      "Dispatchers get two arrival alerts for the same stop, a few seconds apart.",
      "Dispatch screens double-count arrivals; on-time reporting is skewed.",
      "the app registers geofences again after a background location refresh without removing "
      "the old ones",
      "de-duplicate geofence registrations in app 5.8.2",
      tier=T.L2, opened_severity=4, resolved=11.5 * DAY, closed=9 * DAY,
      resolution="The app registered geofences twice after a background location refresh. "
                 "Version 5.8.2 de-duplicates them; Northwind rolled it out to every driver "
                 "phone and saw single alerts for a week."),
    S("northwind", 2, St.INVESTIGATING, 9, "Search shows stale shipment status after updates",
      "Search", "Data integrity", "ZD-48178", Tr.SEVERITY, 650,
      "Shipment search keeps showing the old status for up to 25 minutes after an update.",
      "Customer service quotes wrong statuses to Northwind's own customers.",
      "the search indexer falls behind when one shipment receives a burst of status events",
      "partition the indexer by shipment and replay the missed events",
      risk=MEDIUM, tier=T.L2, opened_severity=3, stale_update=True),
    S("northwind", 4, St.RESOLVED, 6 * DAY, "Raise API rate limit for the peak-season forecast "
      "job", "Public API", "Configuration", "ZD-47902", Tr.POLICY_EXCEPTION, 0,
      "Northwind's forecast job needs more than the Premier API rate limit for six weeks.",
      "Without it the peak-season forecast finishes after the morning planning meeting.",
      "the forecast job needs 1,200 requests a minute, above the Premier default of 600",
      "grant a temporary limit of 1,500 requests a minute and review usage weekly",
      resolved=3 * DAY,
      resolution="Granted a temporary API limit of 1,500 requests a minute for the forecast "
                 "job until 15 January, approved as a policy exception; usage is reviewed "
                 "weekly."),
    S("northwind", 3, St.WAITING_ON_CUSTOMER, 50, "Driver signatures render blank on iOS 17.4",
      "Mobile app", "Bug", "ZD-48121", Tr.CUSTOMER_REQUEST, 90,
      "Signatures captured on iPhones with iOS 17.4 show as blank boxes on the delivery "
      "receipt.",
      "About 90 drivers' receipts have no visible signature, which weakens proof of delivery.",
      "iOS 17.4 draws the signature stroke transparent when low-power mode is on",
      "force an opaque stroke in the signature view and ship it in 5.9.1",
      tier=T.L2, late_milestone=True),
    S("northwind", 2, St.ACKNOWLEDGED, 0.33, "Okta group sync removes dispatcher permissions",
      "Single sign-on", "Access", "ZD-48236", Tr.SEVERITY, 140,
      "After this morning's Okta sync, dispatchers lost the permission to re-assign routes.",
      "140 dispatchers cannot re-plan routes; team leads re-assign them by hand.",
      "the SCIM sync treats a renamed Okta group as deleted and removes its members' roles",
      "match groups by their immutable id instead of their name and restore the removed roles",
      blocked=True, risk=MEDIUM, ack_after=12),
    S("northwind", 3, St.CONTAINED, 60, "EDI 856 connector creates duplicate pallets",
      "Data sync", "Data integrity", "ZD-48140", Tr.TIME_IN_STATUS, 35,
      "Some advance ship notices (EDI 856) create every pallet twice.",
      "Warehouse staff at two hubs scan phantom pallets; inventory counts are off.",
      "the EDI connector retries a timed-out acknowledgement and posts the notice again",
      "make the connector idempotent on the ASN control number and merge the duplicates",
      risk=MEDIUM, tier=T.L3),
    # ── Contoso Health (enterprise, Business hours, America/New_York) ──────────────────────
    S("contoso", 1, St.INVESTIGATING, 7, "Clinicians cannot sign in with Azure AD",
      "Single sign-on", "Outage", "ZD-48205", Tr.CUSTOMER_REQUEST, 2400,
      "Sign-in through Azure AD fails with `AADSTS50011`-style errors for most clinicians.",
      "2,400 clinicians across 14 clinics cannot open patient charts.",
      "Azure AD began signing tokens with a new key that our metadata cache had not picked up",
      "refresh signing keys on every unknown key id and cut the metadata cache to one hour",
      blocked=True, risk=HIGH, tier=T.L3, ack_after=25, comment_by="executive",
      comment="Our clinics open at 7 am. We need sign-in working before then or we go back "
              "to paper charting."),
    S("contoso", 2, St.NEW, 1.5, "HL7 lab results feed stalled since 06:00 ET", "Data sync",
      "Outage", "ZD-48228", Tr.MONITORING_SIGNAL, 300,
      "No HL7 ORU lab result messages have reached Contoso since 06:00 ET.",
      "Physicians at three sites are waiting for lab results; the lab is phoning results in.",
      "the HL7 listener stopped acknowledging after a certificate renewal on the VPN tunnel",
      "restore the tunnel certificate chain and replay the queued messages",
      blocked=True, risk=HIGH),
    S("contoso", 3, St.INVESTIGATING, 48, "Patient search slow for names with accents",
      "Search", "Performance", "ZD-48150", Tr.CUSTOMER_REQUEST, 180,
      "Searching for patients whose names contain accents (José, Zoë) takes 20–40 seconds.",
      "Front-desk staff at registration keep patients waiting.",
      "names with diacritics bypass the normalised index and fall back to a full scan",
      "normalise diacritics at index time and reindex the patient directory overnight",
      tier=T.L2),
    S("contoso", 2, St.WAITING_ON_CUSTOMER, 72, "Appointment reminder SMS not reaching T-Mobile "
      "numbers", "Notifications", "Bug", "ZD-48098", Tr.TIME_IN_STATUS, 5000,
      "Appointment reminders by SMS are not delivered to patients on T-Mobile.",
      "No-shows are up at two clinics; about 5,000 patients get no reminder.",
      "T-Mobile's filtering flags the reminder as spam since the sender number changed",
      "register the new sender number with the carrier and adjust the template wording",
      risk=MEDIUM, tier=T.L2),
    S("contoso", 3, St.ACKNOWLEDGED, 5, "Monthly compliance export missing the audit-trail "
      "column", "Reporting & exports", "Data integrity", "ZD-48219", Tr.CUSTOMER_REQUEST, 6,
      "The monthly compliance export no longer contains the audit-trail column.",
      "Contoso's compliance team cannot file the monthly access report.",
      "the new export template dropped the column when it was renamed",
      "restore the column and regenerate this month's export", risk=MEDIUM),
    S("contoso", 2, St.CONTAINED, 50, "DICOM attachment uploads fail above 200 MB",
      "File storage", "Bug", "ZD-48131", Tr.SEVERITY, 75,
      "Uploading DICOM studies larger than 200 MB fails at 99 %.",
      "Radiology cannot attach full studies to referrals; 75 clinicians affected.",
      "the upload proxy buffers whole files in memory and is killed above 200 MB",
      "switch DICOM uploads to streamed multipart uploads",
      blocked=True, tier=T.L3),
    S("contoso", 1, St.RESOLVED, 3 * DAY + 9, "Portal unavailable during evening shift change",
      "Public API", "Outage", "ZD-48059", Tr.MONITORING_SIGNAL, 1800,
      "The portal stopped answering at the 19:00 shift change.",
      "1,800 night-shift staff could not sign handovers.",
      "a scheduled database vacuum overlapped the shift-change login surge and exhausted "
      "connections",
      "move maintenance out of shift-change windows and add connection headroom",
      blocked=True, risk=HIGH, tier=T.L3, resolved=3 * DAY,
      resolution="Maintenance overlapped the 19:00 login surge and exhausted database "
                 "connections. We moved maintenance windows away from Contoso's shift changes "
                 "and doubled connection headroom; the last three shift changes ran cleanly."),
    S("contoso", 2, St.CLOSED, 30 * DAY, "HL7 ADT messages processed out of order", "Data sync",
      "Data integrity", "ZD-47420", Tr.SEVERITY, 120,
      "Admit, transfer and discharge (ADT) messages sometimes apply out of order.",
      "Patients show in the wrong ward for up to an hour.",
      "two sync workers consumed the same patient's messages in parallel",
      "route each patient's messages to one worker and reapply the affected events",
      risk=MEDIUM, tier=T.L3, resolved=28 * DAY, closed=25 * DAY,
      resolution="Two workers could process one patient's ADT messages in parallel. Messages "
                 "are now keyed by patient and the 37 affected stays were corrected."),
    S("contoso", 2, St.INVESTIGATING, 9 * DAY, "Lab results delayed in the overnight HL7 batch",
      "Data sync", "Performance", "ZD-47951", Tr.CUSTOMER_REQUEST, 300,
      "The overnight HL7 lab batch finishes hours late.",
      "Morning rounds start without overnight lab results.",
      "the overnight batch shares workers with the daytime feed and is starved when both run",
      "give the overnight batch dedicated workers",
      risk=MEDIUM, tier=T.L2, resolved=8 * DAY, closed=5 * DAY, reopened=26,
      reopen_reason="Delays came back in last night's batch: results for 212 patients arrived "
                    "after 07:00.",
      resolution="The overnight batch was starved by the daytime feed. It now runs on "
                 "dedicated workers and finished before 05:00 three nights in a row."),
    S("contoso", 4, St.CLOSED, 20 * DAY, "Export file names use UTC instead of local date",
      "Reporting & exports", "Bug", "ZD-47630", Tr.CUSTOMER_REQUEST, 4,
      "Scheduled exports after 19:00 ET are named with the next day's date.",
      "Contoso's archive job files evening exports under the wrong day.",
      "file names were built from the UTC date instead of the account's timezone",
      "name files by the local date", resolved=16 * DAY, closed=14 * DAY,
      resolution="Export file names now use the account's local date; earlier files were "
                 "renamed on request."),
    S("contoso", 3, St.WAITING_ON_CUSTOMER, 6 * DAY, "Intermittent 403 from the FHIR proxy for "
      "one service account", "Public API", "Access", "ZD-48012", Tr.TIME_IN_STATUS, 1,
      "One integration service account gets 403 Forbidden on about 5 % of FHIR calls.",
      "The referral integration retries for minutes; some referrals arrive late.",
      "the service account's token is issued for one FHIR scope but some calls need two",
      "confirm the scopes the integration needs and reissue the token", tier=T.L2),
    S("contoso", 4, St.INVESTIGATING, 4 * DAY, "Medication list text contrast too low in dark "
      "mode", "Mobile app", "Accessibility", "ZD-48090", Tr.CUSTOMER_REQUEST, 400,
      "In dark mode the medication list's secondary text is hard to read.",
      "Nurses on night shift report eye strain; fails Contoso's accessibility policy.",
      "the dark theme uses a grey that fails WCAG AA contrast on the medication list",
      "ship corrected colour tokens in the next app release"),
    S("contoso", 3, St.RESOLVED, 7 * DAY, "Duplicate reminder emails after the daylight-saving "
      "change", "Notifications", "Bug", "ZD-47888", Tr.CUSTOMER_REQUEST, 900,
      "Patients received every appointment reminder email twice after the clock change.",
      "About 900 patients complained; the clinics' phone lines were busy.",
      "the reminder scheduler computed the local send time twice across the DST overlap",
      "schedule reminders in UTC and de-duplicate on the appointment id",
      risk=MEDIUM, tier=T.L2, opened_severity=4, resolved=5 * DAY,
      resolution="Reminders were scheduled twice across the daylight-saving overlap. They are "
                 "now scheduled in UTC and de-duplicated per appointment."),
    # ── Fabrikam Studios (growth, Standard, Australia/Sydney) ──────────────────────────────
    S("fabrikam", 2, St.INVESTIGATING, 26, "In-game store purchases stuck in \"pending\"",
      "Payments", "Payments", "ZD-48186", Tr.SEVERITY, 600,
      "Purchases in the in-game store stay pending; players are not given their items.",
      "About 600 players are waiting for items; refund requests are climbing.",
      "the payment provider's callbacks fail signature checks since their key rotation",
      "accept the rotated signing key and reconcile the pending purchases",
      blocked=True, risk=MEDIUM, tier=T.L3, comment_by="customer_admin",
      comment="Players are posting about this on our Discord. Can we tell them items will "
              "arrive automatically, or do they need to do anything?"),
    S("fabrikam", 3, St.NEW, 2, "Asset uploads over 2 GB restart from zero", "File storage",
      "Bug", "ZD-48225", Tr.TIME_IN_STATUS, 25,
      "Uploads of asset bundles larger than 2 GB restart from 0 % after a network blip.",
      "Artists re-upload builds for hours; the Friday milestone build is at risk.",
      "resumable uploads lose their session after 2 GB because of a 32-bit offset",
      "widen the upload offset and resume from the last confirmed part"),
    S("fabrikam", 4, St.ACKNOWLEDGED, 26, "Request: stream the audit log to Splunk",
      "Reporting & exports", "Configuration", "ZD-48180", Tr.CUSTOMER_REQUEST, 0,
      "Fabrikam wants its audit log delivered to its Splunk Cloud instance.",
      "Their SOC 2 audit needs the log in Splunk by the end of the quarter.",
      "streaming to Splunk is available but not enabled for Growth accounts",
      "enable the HEC export for Fabrikam and help them verify it"),
    S("fabrikam", 3, St.CONTAINED, 72, "Refund webhooks sent twice", "Payments",
      "Data integrity", "ZD-48105", Tr.CUSTOMER_REQUEST, 40,
      "Some `refund.completed` webhooks arrive twice.",
      "Fabrikam's store credits some refunds twice; 40 players affected so far.",
      "the webhook sender retries after a slow acknowledgement without an idempotency key",
      "send an idempotency key with every webhook and flag the duplicate refunds",
      risk=MEDIUM, tier=T.L2),
    S("fabrikam", 2, St.RESOLVED, 4 * DAY, "Build artefact downloads throttled to 1 MB/s",
      "File storage", "Performance", "ZD-47990", Tr.SEVERITY, 85,
      "Downloads of build artefacts crawl at about 1 MB/s from Sydney.",
      "QA waits hours for builds; 85 testers idle.",
      "Sydney traffic was routed to a US origin after a CDN configuration change",
      "restore the APAC origin and add a per-region routing check",
      blocked=True, tier=T.L2, resolved=2 * DAY,
      resolution="A CDN change sent Sydney downloads to a US origin. The APAC origin is "
                 "restored and routing is now checked per region after every CDN change."),
    S("fabrikam", 3, St.CLOSED, 12 * DAY, "Invoice PDFs show AUD amounts with a US dollar sign",
      "Billing", "Bug", "ZD-47790", Tr.CUSTOMER_REQUEST, 3,
      "Invoices in AUD show the amount with \"US$\".",
      "Fabrikam's accounts team had invoices queried by their auditors.",
      "the invoice template took the currency symbol from the account default",
      "render the symbol from the invoice currency and reissue affected invoices",
      risk=MEDIUM, resolved=9 * DAY, closed=7 * DAY,
      resolution="The template used the account's default currency symbol. It now uses the "
                 "invoice currency; the four affected invoices were reissued."),
    S("fabrikam", 4, St.CLOSED, 35 * DAY, "Search ignores tags containing hyphens", "Search",
      "Bug", "ZD-47302", Tr.CUSTOMER_REQUEST, 60,
      "Searching for tags like `sci-fi` returns nothing.",
      "Producers cannot find assets by their hyphenated tags.",
      "the tag analyser split hyphenated tags into two words",
      "keep hyphenated tags whole and reindex", resolved=30 * DAY, closed=28 * DAY,
      resolution="Hyphenated tags were split in two by the analyser. Tags are now indexed "
                 "whole and the index was rebuilt."),
    S("fabrikam", 2, St.WAITING_ON_CUSTOMER, 40, "Sign-in fails after Google Workspace domain "
      "rename", "Single sign-on", "Access", "ZD-48160", Tr.SEVERITY, 110,
      "Since Fabrikam renamed its Google Workspace domain, most staff cannot sign in.",
      "110 staff use one-time links from support to get in.",
      "user accounts are still bound to the old domain's email addresses",
      "migrate the accounts to the new domain and update the OIDC configuration",
      blocked=True, tier=T.L2),
    S("fabrikam", 1, St.CLOSED, 18 * DAY, "Storefront checkout down in all regions",
      "Payments", "Outage", "ZD-47705", Tr.MONITORING_SIGNAL, 900,
      "Every checkout in Fabrikam's web storefront failed with a payment error.",
      "No sales at all during a launch weekend.",
      "an expired API key for the payment provider after an automated rotation failed",
      "rotate the key, repair the rotation job and alert before keys expire",
      blocked=True, risk=HIGH, tier=T.MANAGEMENT, resolved=18 * DAY - 6, closed=15 * DAY,
      comment_by="executive",
      comment="This happened during our launch weekend. We need to understand how you will "
              "prevent it.",
      resolution="The payment provider key expired after the automated rotation failed "
                 "silently. We rotated it, repaired the rotation job and now alert 14 days "
                 "before any key expires."),
    S("fabrikam", 3, St.INVESTIGATING, 6 * DAY, "Nightly Perforce mirror sync skips "
      "changelists", "Data sync", "Bug", "ZD-48030", Tr.TIME_IN_STATUS, 45,
      "The nightly mirror from Perforce misses some changelists.",
      "Build machines in Sydney build from incomplete sources about twice a week.",
      "changelists submitted during the sync window are skipped by the cursor",
      "move the cursor to the last confirmed changelist and backfill the gaps",
      tier=T.L3, late_milestone=True),
    S("fabrikam", 4, St.NEW, 5, "Email digests arrive in the middle of the night (AEST)",
      "Notifications", "Bug", "ZD-48220", Tr.CUSTOMER_REQUEST, 30,
      "The daily digest email reaches Sydney staff at 02:00.",
      "Minor; staff miss the digest among overnight mail.",
      "digests are sent at 16:00 UTC regardless of the account's timezone",
      "send digests at 08:00 in each account's timezone"),
]
