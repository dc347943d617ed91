"""Seed the `bench` PostgreSQL database: 500 organizations, 100,000 escalations, 1,000,000
updates, with status histories, milestones, remediation plans, SLA policies and users.

    .venv/bin/python bench/seed_large.py            # create + migrate + seed, unless seeded
    .venv/bin/python bench/seed_large.py --reseed   # drop the bench database and rebuild it
    .venv/bin/python bench/seed_large.py --small    # the same shape at 1/200 (the suite's check)

Set-based SQL (INSERT … SELECT over generate_series) in ONE transaction, so a seed is either
complete or absent; then VACUUM ANALYZE. Takes a minute or two on two cores. The schema is
made by the app's migrations only; this script writes rows, never DDL.

Shape of the data (deterministic: setseed):
- escalations are opened one every ~10 minutes over ~2 years (id order = opening order); the
  newest ~10 % are mostly still open, older ones are resolved or closed;
- organizations are skewed (a few big accounts, a long tail): organization 1 is the busiest,
  with roughly 200 open escalations, which is what its customers' dashboard shows;
- every escalation has its full status history from the opening StatusChange on, and ~10
  updates on average (Poisson), ~60 % customer-visible, the rest internal;
- three customer milestones each (plus an internal one on every fourth); open escalations
  also have a remediation plan (customer and vendor steps, an internal step) and exit criteria;
- three users per organization (viewer, executive, customer admin) and 40 staff, all sharing
  ONE argon2 hash of BENCH_PASSWORD (hashing is deliberately slow);
- `customer_changed_at` is the last customer-visible change (status or visible update),
  `updated_at` the last change of any kind.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import common
from psycopg import sql


@dataclass(frozen=True)
class Size:
    """How much to seed. The shape (skew, histories, plans, people per organization) is the
    same at every size; the suite seeds SMALL after the migrations so this script cannot
    silently break when the schema changes."""

    organizations: int
    escalations: int
    updates: int
    open_window: int  # the newest escalations, among which most are still open

    @property
    def tag(self) -> str:
        return (f"clearpath bench seed v1: {self.organizations} orgs, "
                f"{self.escalations} escalations, {self.updates} updates")


FULL = Size(organizations=500, escalations=100_000, updates=1_000_000, open_window=10_000)
SMALL = Size(organizations=10, escalations=500, updates=5_000, open_window=50)
STAFF = 40  # the role ranges below (1 administrator, 3 managers, 8 account managers) need 40
ORG_SKEW = 1.7  # organization = 1 + floor(orgs · random()^1.7): org 1 ≈ 2.5 % of escalations
SEED_TAG = FULL.tag

TIMEZONES = ["Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo",
             "America/Los_Angeles", "Australia/Sydney", "Europe/Paris", "America/Chicago",
             "Asia/Singapore", "UTC"]
FIRST_NAMES = ["Alex", "Sam", "Priya", "Kenji", "Lucía", "Tomasz", "Grace", "Marcus", "Elena",
               "Oliver", "Amara", "Jonas", "Mei", "Rafael", "Ingrid", "Tariq", "Noor", "Felix",
               "Hana", "Diego"]
LAST_NAMES = ["Grant", "Hayes", "Bell", "Petrova", "Liu", "Whitfield", "Romero", "Nowak",
              "Raman", "Watanabe", "Okafor", "Lindqvist", "Chen", "Silva", "Berg", "Haddad",
              "Rahman", "Weber", "Sato", "Morales"]
ORG_WORDS = ["Logistics", "Retail", "Health", "Freight", "Media", "Energy", "Foods", "Bank",
             "Insurance", "Telecom", "Travel", "Pharma", "Motors", "Games", "Robotics"]
PROBLEMS = [
    "intermittent 502 errors", "requests time out under load", "data arrives hours late",
    "duplicate records after retry", "sign-in loops back to the login page",
    "exports contain wrong totals", "push notifications not delivered",
    "uploads above 2 GB fail", "search results missing recent records",
    "invoices show the wrong currency", "webhooks retried endlessly",
    "dashboard widgets fail to load", "scheduled jobs skipped overnight",
    "slow page loads for EU users", "permissions reset after sync",
]
CATEGORIES = ["Outage", "Degradation", "Data integrity", "Integration", "Billing error",
              "Security", "Performance"]
CUSTOMER_NOTES = [
    "We are investigating **{area}**: our engineers have reproduced the problem and are "
    "working on it now. Your data is safe. We will update you again by the time shown below.",
    "Update on **{area}**: we have found the cause and are preparing a fix. In the meantime, "
    "a workaround is in place:\n\n- retries now succeed\n- no requests are lost\n\n"
    "Next update as promised below.",
    "The fix for **{area}** is deployed to staging and passes our load test at 3× peak. We "
    "plan to roll it out region by region; see the milestones for dates.",
    "Error rates for **{area}** are back to normal since the rollout. We keep watching for "
    "the next 24 hours before we call this resolved. "
    "[Status page](https://status.example.com/incidents)",
    "We need one thing from your side: request ids (`X-Request-Id`) from three failing calls "
    "in **{area}**. The resolve clock is paused while we wait.",
]
CUSTOMER_COMMENTS = [
    "Thanks. Our operations team is asking whether the workaround is safe to keep over the "
    "weekend?",
    "We still see the problem in {area} from our Frankfurt office, about one call in ten.",
    "Request ids attached in the ticket. Can you confirm you received them?",
    "Confirmed on our side: the morning run completed normally.",
]
INTERNAL_NOTES = [
    "p99 at 2.8 s on api-gw-euw-07.prod.clearpath.internal; `cl_waiting` at 412 on "
    "pgbouncer-api-2. Suspect pool exhaustion after the 14:00 deploy.",
    "Rolled back config 8f3a on the {area} cluster, no change. Escalating to L3.",
    "Customer's IdP metadata is stale (cert rotated 2 days ago). Do NOT share the cert "
    "fingerprint in customer updates.",
    "Heap dump from worker-12 shows 9 GB in the retry queue. Ticket ENG-4471 opened.",
]
STATUS_NOTES = [
    "Status changed: we have acknowledged this escalation and an engineer owns it.",
    "Status changed: a workaround contains the impact while we fix the cause.",
    "Status changed: we are investigating again after your report.",
]


def hash_password_once() -> str:
    """One argon2id hash with the app's production parameters, shared by every bench user."""
    from argon2 import PasswordHasher

    from portal.config import Defaults

    hasher = PasswordHasher(time_cost=Defaults.PASSWORD_HASH_TIME_COST,
                            memory_cost=Defaults.PASSWORD_HASH_MEMORY_KIB,
                            parallelism=Defaults.PASSWORD_HASH_PARALLELISM)
    return hasher.hash(common.BENCH_PASSWORD)


def area_vocabulary() -> dict[str, list]:
    """Product areas and, per area, the plan texts the demo uses (portal/demo/catalog.py)."""
    from portal.demo.catalog import KITS

    areas = list(KITS)
    kits = [KITS[a] for a in areas]
    return {
        "areas": areas,
        "milestones": [list(k.milestones) for k in kits],
        "internal_milestones": [k.internal_milestone for k in kits],
        # Kits have two or three steps: pad to three (NULL) so the arrays are rectangular.
        "step_titles": [_padded([s[0] for s in k.steps], 3) for k in kits],
        "step_parties": [_padded([s[1].value for s in k.steps], 3) for k in kits],
        "step_tests": [_padded([s[2] for s in k.steps], 3) for k in kits],
        "step_metrics": [_padded([s[3] for s in k.steps], 3) for k in kits],
        "internal_steps": [k.internal_step[0] for k in kits],
        "exits": [list(k.exits) for k in kits],
    }


def _padded(items: list, length: int) -> list:
    return items + [None] * (length - len(items))


# ----------------------------------------------------------------------------------- reference
def counts(conn) -> dict[str, int]:
    tables = ("organizations", "escalations", "updates")
    return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
            .fetchone()[0] for t in tables}


def is_seeded(conn, size: Size = FULL) -> bool:
    comment = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (common.DB_NAME,),
    ).fetchone()[0]
    expected = {"organizations": size.organizations, "escalations": size.escalations,
                "updates": size.updates}
    return comment == size.tag and counts(conn) == expected


# ---------------------------------------------------------------------------------- the seed
def _seed_people(cur, size: Size, now: datetime, password_hash: str) -> None:
    from portal.demo.people import POLICIES

    for policy_id, (name, description, hours, holidays, targets) in enumerate(POLICIES, 1):
        cur.execute(
            "INSERT INTO sla_policies (id, name, description, business_hours, holidays) "
            "VALUES (%s, %s, %s, %s::json, %s::json)",
            (policy_id, name, description, _json(hours), _json(holidays)),
        )
        for severity, (ack, upd, res) in targets.items():
            cur.execute(
                "INSERT INTO sla_targets (policy_id, severity, acknowledge_minutes, "
                "update_minutes, resolve_minutes) VALUES (%s, %s, %s, %s, %s)",
                (policy_id, severity, ack, upd, res),
            )
    names = {"first": FIRST_NAMES, "last": LAST_NAMES}
    # Staff 1..40: 1 administrator, 3 escalation managers, 8 account managers, 28 agents.
    cur.execute(
        """
        INSERT INTO users (id, email, name, job_title, phone, role, organization_id, timezone,
                           password_hash, active, session_version, created_at,
                           notification_preference)
        SELECT g, format('staff%%s@vendor.bench.example', lpad(g::text, 3, '0')),
               (%(first)s::text[])[1 + g %% 20] || ' '
                   || (%(last)s::text[])[1 + (g * 7) %% 20],
               CASE WHEN g = 1 THEN 'Support Operations Administrator'
                    WHEN g <= 4 THEN 'Escalation Manager'
                    WHEN g <= 12 THEN 'Account Manager'
                    ELSE 'Support Engineer' END,
               format('+44 20 7946 %%s', lpad(g::text, 4, '0')),
               CASE WHEN g = 1 THEN 'administrator' WHEN g <= 4 THEN 'escalation_manager'
                    WHEN g <= 12 THEN 'account_manager' ELSE 'agent' END,
               NULL, (%(zones)s::text[])[1 + g %% 10], %(hash)s, true, 1,
               %(now)s - interval '3 years',
               'immediate'
        FROM generate_series(1, %(staff)s) g
        """,
        {**names, "zones": TIMEZONES, "hash": password_hash, "now": now, "staff": STAFF},
    )
    # Organizations 1..500, biggest accounts first; 1 in 10 strategic, then enterprise, growth.
    cur.execute(
        """
        INSERT INTO organizations (id, name, slug, segment, annual_revenue, timezone,
                                   sla_policy_id, account_manager_id, created_at)
        SELECT g, format('%%s %%s %%s', (%(last)s::text[])[1 + g %% 20],
                         (%(words)s::text[])[1 + g %% 15], lpad(g::text, 3, '0')),
               format('org-%%s', lpad(g::text, 3, '0')),
               s.segment,
               CASE s.segment WHEN 'strategic' THEN 150000000 - g * 100000
                              WHEN 'enterprise' THEN 40000000 - g * 20000
                              ELSE 3000000 + g * 1000 END,
               (%(zones)s::text[])[1 + g %% 10],
               CASE s.segment WHEN 'strategic' THEN 1 WHEN 'enterprise' THEN 2 ELSE 3 END,
               5 + g %% 8,  -- account managers are staff 5..12
               %(now)s - interval '3 years'
        FROM generate_series(1, %(orgs)s) g,
             LATERAL (SELECT CASE WHEN g %% 10 = 1 THEN 'strategic'
                                  WHEN g %% 10 IN (2, 3, 4, 5) THEN 'enterprise'
                                  ELSE 'growth' END AS segment) s
        """,
        {**names, "words": ORG_WORDS, "zones": TIMEZONES, "now": now, "orgs": size.organizations},
    )
    # Customers: organization n has users 40 + 3(n-1) + {1: viewer, 2: executive, 3: admin}.
    cur.execute(
        """
        INSERT INTO users (id, email, name, job_title, phone, role, organization_id, timezone,
                           password_hash, active, session_version, created_at,
                           notification_preference)
        SELECT %(staff)s + 3 * (o - 1) + r,
               format('%%s@org-%%s.bench.example',
                      (ARRAY['viewer', 'executive', 'admin'])[r], lpad(o::text, 3, '0')),
               (%(first)s::text[])[1 + (o + r) %% 20] || ' '
                   || (%(last)s::text[])[1 + (o * 3 + r) %% 20],
               (ARRAY['IT Operations Lead', 'VP of IT', 'IT Administrator'])[r],
               '',
               (ARRAY['viewer', 'executive', 'customer_admin'])[r],
               o, NULL, %(hash)s, true, 1, %(now)s - interval '2 years',
               CASE WHEN r = 2 THEN 'daily_digest' ELSE 'immediate' END
        FROM generate_series(1, %(orgs)s) o, generate_series(1, 3) r
        """,
        {**names, "hash": password_hash, "now": now, "staff": STAFF, "orgs": size.organizations},
    )


def _seed_escalations(cur, size: Size, now: datetime, vocab: dict) -> None:
    # Every time of an escalation's life, computed once into a temporary table: the escalation
    # row, its status history and its updates all read it. A phase is the shorter of a
    # realistic duration and a share of the escalation's age, so recent ones stay in the past.
    cur.execute(
        """
        CREATE TEMPORARY TABLE seed_escalations ON COMMIT DROP AS
        WITH base AS (
            SELECT g AS id,
                   LEAST(%(orgs)s, 1 + floor(%(orgs)s * power(random(), %(skew)s)))::int
                       AS organization_id,
                   %(now)s - (%(n)s - g) * interval '10 minutes'
                       - random() * interval '9 minutes' AS opened_at,
                   random() AS r_status, random() AS r_sev, random() AS r_tier,
                   random() AS r_misc, random() AS r_owner,
                   1 + floor(random() * %(n_areas)s)::int AS area_i,
                   g > %(n)s - %(open_window)s AS recent
            FROM generate_series(1, %(n)s) g
        ), timed AS (
            SELECT b.*, %(now)s - b.opened_at AS age,
                   CASE WHEN b.recent AND b.r_status < 0.8 THEN
                            CASE WHEN b.r_misc < 0.06 THEN 'new'
                                 WHEN b.r_misc < 0.20 THEN 'acknowledged'
                                 WHEN b.r_misc < 0.62 THEN 'investigating'
                                 WHEN b.r_misc < 0.76 THEN 'waiting_on_customer'
                                 ELSE 'contained' END
                        WHEN b.recent AND b.r_status < 0.9 THEN 'resolved'
                        WHEN NOT b.recent AND b.r_status < 0.03 THEN 'resolved'
                        ELSE 'closed' END AS status,
                   CASE WHEN b.r_sev < 0.08 THEN 1 WHEN b.r_sev < 0.35 THEN 2
                        WHEN b.r_sev < 0.75 THEN 3 ELSE 4 END AS severity
            FROM base b
        )
        SELECT t.*,
               t.opened_at + LEAST(interval '5 minutes' + t.r_owner * interval '2 hours',
                                   t.age * 0.05) AS ack_at,
               t.opened_at + LEAST(interval '15 minutes' + t.r_owner * interval '2 hours',
                                   t.age * 0.08) AS investigating_at,
               t.opened_at + LEAST(interval '150 minutes' + t.r_tier * interval '46 hours',
                                   t.age * 0.30) AS contained_at,
               t.opened_at + LEAST(interval '3 hours' + t.r_tier * interval '118 hours',
                                   t.age * (0.5 + 0.45 * t.r_misc)) AS waiting_at,
               t.opened_at + LEAST(interval '3 hours' + t.r_tier * interval '118 hours',
                                   t.age * 0.60) AS resolved_at,
               t.opened_at + LEAST(interval '27 hours' + t.r_tier * interval '286 hours',
                                   t.age * 0.90) AS closed_at
        FROM timed t
        """,
        {"orgs": size.organizations, "skew": ORG_SKEW, "now": now, "n": size.escalations,
         "open_window": size.open_window, "n_areas": len(vocab["areas"])},
    )
    cur.execute("ALTER TABLE seed_escalations ADD PRIMARY KEY (id)")
    cur.execute(
        """
        INSERT INTO escalations (
            id, organization_id, title, summary, customer_impact, severity, status, tier,
            trigger, product_area, category, source_ticket, users_affected,
            core_operations_blocked, reputational_risk, priority_score, priority_breakdown,
            owner_id, communicator_id, resolution_summary, opened_at, acknowledged_at,
            contained_at, resolved_at, closed_at, status_changed_at, updated_at,
            customer_changed_at)
        SELECT e.id, e.organization_id,
               format('%%s: %%s', (%(areas)s::text[])[e.area_i],
                      (%(problems)s::text[])[1 + (e.id * 7) %% %(n_problems)s]),
               format('Since %%s, %%s for some of your users. Escalated from the support '
                      'queue after the first-line checks found no local cause.',
                      to_char(e.opened_at, 'YYYY-MM-DD HH24:MI "UTC"'),
                      (%(problems)s::text[])[1 + (e.id * 7) %% %(n_problems)s]),
               format('About %%s users are affected in %%s.', f.users_affected,
                      (%(areas)s::text[])[e.area_i]),
               e.severity, e.status,
               CASE WHEN e.r_tier < 0.35 THEN 'L1' WHEN e.r_tier < 0.70 THEN 'L2'
                    WHEN e.r_tier < 0.92 THEN 'L3' ELSE 'Management' END,
               (ARRAY['sla_breach', 'severity', 'time_in_status', 'customer_request',
                      'policy_exception', 'monitoring_signal'])[1 + e.id %% 6],
               (%(areas)s::text[])[e.area_i],
               (%(categories)s::text[])[1 + e.id %% %(n_categories)s],
               format('SUP-%%s', 200000 + e.id),
               f.users_affected, f.blocked, f.risk,
               LEAST(100, round(p.severity + p.business_impact + p.segment + p.revenue
                                + p.reputational_risk))::int,
               json_build_object('severity', p.severity, 'business_impact', p.business_impact,
                                 'segment', p.segment, 'revenue', p.revenue,
                                 'reputational_risk', p.reputational_risk),
               CASE WHEN e.status = 'new' AND e.r_owner < 0.5 THEN NULL
                    ELSE 13 + floor(e.r_owner * 28)::int END,  -- agents are staff 13..40
               o.account_manager_id,
               CASE WHEN e.status IN ('resolved', 'closed')
                    THEN 'Fixed and verified; see the post-incident review.' ELSE '' END,
               e.opened_at,
               CASE WHEN e.status <> 'new' THEN e.ack_at END,
               CASE WHEN e.status IN ('contained', 'resolved', 'closed') THEN e.contained_at END,
               CASE WHEN e.status IN ('resolved', 'closed') THEN e.resolved_at END,
               CASE WHEN e.status = 'closed' THEN e.closed_at END,
               s.changed_at, s.changed_at, s.changed_at
        FROM seed_escalations e
        JOIN organizations o ON o.id = e.organization_id
        CROSS JOIN LATERAL (
            SELECT floor(power(e.r_misc, 3) * 2000)::int AS users_affected,
                   e.r_tier > 0.8 AS blocked,
                   CASE WHEN e.r_sev < 0.10 THEN 'high' WHEN e.r_sev < 0.40 THEN 'medium'
                        ELSE 'low' END AS risk
        ) f
        CROSS JOIN LATERAL (
            -- portal/escalations/priority.py with the default weights, rounded alike
            SELECT round((35 * (ARRAY[1.0, 0.7, 0.4, 0.1])[e.severity])::numeric, 1)
                       AS severity,
                   round((25 * LEAST(1.0, 0.6 * LEAST(f.users_affected, 1000) / 1000.0
                                     + CASE WHEN f.blocked THEN 0.4 ELSE 0 END))::numeric, 1)
                       AS business_impact,
                   round((15 * CASE o.segment WHEN 'strategic' THEN 1.0
                                   WHEN 'enterprise' THEN 0.6 ELSE 0.3 END)::numeric, 1)
                       AS segment,
                   round((15 * CASE WHEN o.annual_revenue >= 100000000 THEN 1.0
                                    WHEN o.annual_revenue >= 25000000 THEN 0.75
                                    WHEN o.annual_revenue >= 5000000 THEN 0.5
                                    WHEN o.annual_revenue >= 1000000 THEN 0.25
                                    ELSE 0.1 END)::numeric, 1) AS revenue,
                   round((10 * CASE f.risk WHEN 'high' THEN 1.0 WHEN 'medium' THEN 0.5
                                   ELSE 0 END)::numeric, 1) AS reputational_risk
        ) p
        CROSS JOIN LATERAL (
            SELECT CASE e.status WHEN 'new' THEN e.opened_at
                                 WHEN 'acknowledged' THEN e.ack_at
                                 WHEN 'investigating' THEN e.investigating_at
                                 WHEN 'waiting_on_customer' THEN e.waiting_at
                                 WHEN 'contained' THEN e.contained_at
                                 WHEN 'resolved' THEN e.resolved_at
                                 ELSE e.closed_at END AS changed_at
        ) s
        """,
        {"areas": vocab["areas"], "problems": PROBLEMS, "n_problems": len(PROBLEMS),
         "categories": CATEGORIES, "n_categories": len(CATEGORIES)},
    )
    # The status history: the opening StatusChange, then each step up to the current status.
    cur.execute(
        """
        INSERT INTO status_changes (escalation_id, from_status, to_status, at, actor_id,
                                    reason, organization_id)
        SELECT e.id, h.from_status, h.to_status, h.at,
               CASE WHEN h.from_status IS NULL THEN NULL ELSE x.owner_id END,
               h.reason, e.organization_id
        FROM seed_escalations e
        JOIN escalations x ON x.id = e.id
        CROSS JOIN LATERAL (VALUES
            (1, NULL, 'new', e.opened_at, 'Escalated from the support queue.'),
            (2, 'new', 'acknowledged', e.ack_at, ''),
            (3, 'acknowledged', 'investigating', e.investigating_at, ''),
            (4, 'investigating', 'waiting_on_customer', e.waiting_at,
             'Waiting for request ids from your team.'),
            (5, 'investigating', 'contained', e.contained_at, 'Workaround in place.'),
            (6, 'contained', 'resolved', e.resolved_at, 'Fix verified in production.'),
            (7, 'resolved', 'closed', e.closed_at, '')
        ) AS h(step, from_status, to_status, at, reason)
        WHERE h.step = 1
           OR (h.step IN (2, 3) AND e.status NOT IN ('new', 'acknowledged'))
           OR (h.step = 2 AND e.status = 'acknowledged')
           OR (h.step = 4 AND e.status = 'waiting_on_customer')
           OR (h.step = 5 AND e.status IN ('contained', 'resolved', 'closed'))
           OR (h.step = 6 AND e.status IN ('resolved', 'closed'))
           OR (h.step = 7 AND e.status = 'closed')
        ORDER BY e.id, h.step
        """
    )


def _seed_updates(cur, size: Size, now: datetime, vocab: dict) -> None:
    # Each update lands on a uniformly random escalation: ~10 per escalation (Poisson), spread
    # over the escalation's life. 60 % customer-visible (notes, status notes, customer
    # comments), 40 % internal (engineering notes). A few customer updates were retracted.
    cur.execute(
        """
        INSERT INTO updates (escalation_id, author_id, kind, visibility, body, next_update_by,
                             created_at, edited_at, retracted_at, organization_id)
        SELECT e.id,
               CASE WHEN k.kind = 'customer_comment'
                        THEN %(staff)s + 3 * (e.organization_id - 1) + 1 + (u.g %% 3)
                    WHEN u.r3 < 0.7 THEN coalesce(x.owner_id, 13 + u.g %% 28)
                    ELSE 13 + u.g %% 28 END,
               k.kind, k.visibility,
               replace(CASE k.kind
                   WHEN 'customer_comment'
                       THEN (%(comments)s::text[])[1 + u.g %% %(n_comments)s]
                   WHEN 'status_change' THEN (%(status_notes)s::text[])[1 + u.g %% %(n_status)s]
                   WHEN 'note' THEN CASE WHEN k.visibility = 'customer'
                       THEN (%(notes)s::text[])[1 + u.g %% %(n_notes)s]
                       ELSE (%(internal)s::text[])[1 + u.g %% %(n_internal)s] END
                   ELSE 'Ownership moved to the L3 on-call engineer; handoff acknowledged.'
               END, '{area}', x.product_area),
               CASE WHEN k.kind = 'note' AND k.visibility = 'customer' AND u.r4 < 0.5
                    THEN t.created_at + (1 + floor(u.r4 * 8)) * interval '1 hour' END,
               t.created_at,
               NULL,
               CASE WHEN k.visibility = 'customer' AND k.kind <> 'customer_comment'
                         AND u.r4 > 0.997 THEN t.created_at + interval '5 minutes' END,
               e.organization_id
        FROM (SELECT g, 1 + floor(random() * %(n)s)::int AS escalation_id, random() AS r1,
                     random() AS r2, random() AS r3, random() AS r4
              FROM generate_series(1, %(updates)s) g) u
        JOIN seed_escalations e ON e.id = u.escalation_id
        JOIN escalations x ON x.id = e.id
        CROSS JOIN LATERAL (
            SELECT e.opened_at + u.r1 * (coalesce(x.closed_at, x.resolved_at, %(now)s)
                                         - e.opened_at) AS created_at
        ) t
        CROSS JOIN LATERAL (
            SELECT CASE WHEN u.r2 < 0.6 THEN 'customer' ELSE 'internal' END AS visibility,
                   CASE WHEN u.r2 < 0.6 THEN
                            CASE WHEN u.r3 < 0.15 THEN 'customer_comment'
                                 WHEN u.r3 < 0.30 THEN 'status_change' ELSE 'note' END
                        ELSE CASE WHEN u.r3 < 0.10 THEN 'ownership' ELSE 'note' END
                   END AS kind
        ) k
        """,
        {"staff": STAFF, "comments": CUSTOMER_COMMENTS, "n_comments": len(CUSTOMER_COMMENTS),
         "status_notes": STATUS_NOTES, "n_status": len(STATUS_NOTES),
         "notes": CUSTOMER_NOTES, "n_notes": len(CUSTOMER_NOTES),
         "internal": INTERNAL_NOTES, "n_internal": len(INTERNAL_NOTES),
         "n": size.escalations, "updates": size.updates, "now": now},
    )


def _seed_plans(cur, size: Size, now: datetime, vocab: dict) -> None:
    # Three customer milestones per escalation (the area's usual ones), an internal one on
    # every fourth. Closed and resolved: all done. Open: done or late in the past, the last
    # one upcoming within three days, so the dashboard has a "next milestone" to count to.
    cur.execute(
        """
        INSERT INTO milestones (escalation_id, title, due_at, completed_at, visibility,
                                position, organization_id)
        SELECT e.id,
               CASE WHEN m.k = 4 THEN (%(internal_milestones)s::text[])[e.area_i]
                    ELSE (%(milestones)s::text[])[e.area_i][m.k] END,
               d.due_at,
               CASE WHEN x.status IN ('resolved', 'closed') THEN LEAST(d.due_at, x.resolved_at)
                    WHEN d.due_at < %(now)s AND (m.k = 1 OR e.r_misc < 0.7)
                        THEN d.due_at - interval '1 hour'
               END,
               CASE WHEN m.k = 4 THEN 'internal' ELSE 'customer' END,
               m.k, e.organization_id
        FROM seed_escalations e
        JOIN escalations x ON x.id = e.id
        CROSS JOIN generate_series(1, 4) AS m(k)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN m.k = 3 AND x.status NOT IN ('resolved', 'closed')
                        THEN %(now)s + (0.1 + 2.9 * e.r_owner) * interval '1 day'
                        ELSE e.opened_at + m.k * (0.5 + e.r_tier) * interval '1 day'
                   END AS due_at
        ) d
        WHERE m.k < 4 OR e.id %% 4 = 0
        """,
        {"milestones": vocab["milestones"], "internal_milestones": vocab["internal_milestones"],
         "now": now},
    )
    # Open escalations have a remediation plan: the area's three steps (vendor- and
    # customer-owned), an internal step, two customer exit criteria and an internal one.
    cur.execute(
        """
        INSERT INTO remediation_steps (escalation_id, position, title, owner_party, owner_id,
                                       due_at, status, validation_test, success_metric,
                                       visibility, completed_at, completion_note,
                                       organization_id, completed_by_id)
        SELECT e.id, s.k,
               CASE WHEN s.k = 4 THEN (%(internal_steps)s::text[])[e.area_i]
                    ELSE (%(titles)s::text[])[e.area_i][s.k] END,
               CASE WHEN s.k = 4 THEN 'vendor' ELSE (%(parties)s::text[])[e.area_i][s.k] END,
               CASE WHEN s.k = 4 OR (%(parties)s::text[])[e.area_i][s.k] = 'vendor'
                    THEN x.owner_id END,
               %(now)s + (s.k - 1) * interval '1 day' + e.r_owner * interval '12 hours',
               CASE WHEN s.k = 1 AND x.status = 'contained' THEN 'done'
                    WHEN s.k = 1 THEN 'in_progress' ELSE 'planned' END,
               CASE WHEN s.k = 4 THEN '' ELSE (%(tests)s::text[])[e.area_i][s.k] END,
               CASE WHEN s.k = 4 THEN '' ELSE (%(metrics)s::text[])[e.area_i][s.k] END,
               CASE WHEN s.k = 4 THEN 'internal' ELSE 'customer' END,
               CASE WHEN s.k = 1 AND x.status = 'contained' THEN x.contained_at END,
               '', e.organization_id, NULL
        FROM seed_escalations e
        JOIN escalations x ON x.id = e.id
        CROSS JOIN generate_series(1, 4) AS s(k)
        WHERE x.status NOT IN ('resolved', 'closed')
          AND (s.k = 4 OR (%(titles)s::text[])[e.area_i][s.k] IS NOT NULL)
        """,
        {"internal_steps": vocab["internal_steps"], "titles": vocab["step_titles"],
         "parties": vocab["step_parties"], "tests": vocab["step_tests"],
         "metrics": vocab["step_metrics"], "now": now},
    )
    cur.execute(
        """
        INSERT INTO exit_criteria (escalation_id, position, description, met_at, visibility,
                                   organization_id)
        SELECT e.id, c.k,
               CASE WHEN c.k = 3 THEN 'Internal: on-call load back under 2 pages a week'
                    ELSE (%(exits)s::text[])[e.area_i][c.k] END,
               NULL, CASE WHEN c.k = 3 THEN 'internal' ELSE 'customer' END, e.organization_id
        FROM seed_escalations e
        JOIN escalations x ON x.id = e.id
        CROSS JOIN generate_series(1, 3) AS c(k)
        WHERE x.status NOT IN ('resolved', 'closed')
        """,
        {"exits": vocab["exits"]},
    )


def _stamp_changes(cur, size: Size) -> None:
    # customer_changed_at: the last thing a customer could see change (status or a visible
    # update); updated_at: the last change of any kind (internal notes too).
    cur.execute(
        """
        UPDATE escalations x
        SET customer_changed_at = GREATEST(x.status_changed_at, coalesce(u.customer_at,
                                                                         x.status_changed_at)),
            updated_at = GREATEST(x.status_changed_at, coalesce(u.any_at, x.status_changed_at))
        FROM (SELECT escalation_id,
                     max(created_at) FILTER (WHERE visibility = 'customer'
                                              AND retracted_at IS NULL) AS customer_at,
                     max(coalesce(retracted_at, created_at)) AS any_at
              FROM updates GROUP BY escalation_id) u
        WHERE u.escalation_id = x.id
        """
    )
    # Rows were inserted with explicit ids: move the sequences past them.
    for table in ("sla_policies", "organizations", "users", "escalations"):
        cur.execute(sql.SQL(
            "SELECT setval(pg_get_serial_sequence({t}, 'id'), (SELECT max(id) FROM {i}))"
        ).format(t=sql.Literal(table), i=sql.Identifier(table)))


def _json(value) -> str:
    import json

    return json.dumps(value)


def seed(size: Size = FULL, *, now: datetime | None = None, log=print) -> None:
    """Write the whole data set in one transaction, then VACUUM ANALYZE."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()
    log("hashing the one shared password (argon2id, production parameters)…")
    password_hash = hash_password_once()
    vocab = area_vocabulary()
    with common.connect() as conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SELECT setseed(0.42)")
            steps = [("SLA policies, organizations, users", _seed_people, (now, password_hash)),
                     ("escalations and status histories", _seed_escalations, (now, vocab)),
                     (f"{size.updates:,} updates", _seed_updates, (now, vocab)),
                     ("milestones, remediation plans, exit criteria", _seed_plans, (now, vocab)),
                     ("customer_changed_at, sequences", _stamp_changes, ())]
            for label, step, args in steps:
                t0 = time.monotonic()
                step(cur, size, *args)
                log(f"  {label}: {time.monotonic() - t0:.1f} s")
            cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(common.DB_NAME), sql.Literal(size.tag)))
        conn.commit()
    t0 = time.monotonic()
    with common.connect(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"  VACUUM ANALYZE: {time.monotonic() - t0:.1f} s")
    log(f"seeded in {time.monotonic() - started:.0f} s")


def ensure_seeded(size: Size = FULL, *, reseed: bool = False, log=print) -> None:
    """Create, migrate and seed the bench database unless it already holds this data set."""
    if not reseed and common.database_exists():
        common.migrate()  # a no-op at head; applies newer migrations to a kept database
        with common.connect() as conn:
            if is_seeded(conn, size):
                log(f"bench database {common.DB_NAME!r} already seeded ({size.tag}); "
                    "pass --reseed to rebuild it")
                return
        log(f"bench database {common.DB_NAME!r} is not (fully) seeded: rebuilding it")
        reseed = True
    log(f"creating database {common.DB_NAME!r} and migrating it (flask db upgrade)…")
    common.create_database(drop_first=reseed)
    common.migrate()
    seed(size, log=log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true",
                        help="drop the bench database and seed it again")
    parser.add_argument("--small", action="store_true",
                        help=f"seed {SMALL.tag.split(': ')[1]} instead")
    args = parser.parse_args(argv)
    ensure_seeded(SMALL if args.small else FULL, reseed=args.reseed)
    with common.connect() as conn:
        print(counts(conn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
