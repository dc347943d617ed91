"""On-call rosters: teams, their rotations and overrides, and who is on call at an instant.

`schedule` is the pure rotation arithmetic (wall-clock handoffs in the team's time zone, DST
included); `queries` reads teams and answers "who is on call" for an instant, a team or an
escalation; `operations` is the only writer. The console's pages are `admin/oncall.py`.
"""
