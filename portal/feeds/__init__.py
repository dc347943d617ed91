"""Private feeds: a person's Atom feeds of customer-visible updates and iCalendar feed of
milestones and promised update times, behind a revocable token in the URL (README "Feeds").

    models        the feed token (belongs to any user: customers now, staff shifts later)
    tokens        making, hashing and sealing a token
    operations    issue, reset, revoke, record a use (the only writers)
    access        token → owner, and the session's tenancy scope for the rest of the request
    queries       reads, each a fixed number of statements
    documents     each feed as validator + document
    atom          the Atom builder (feedgen)
    calendar      the iCalendar builder (icalendar), reusable for any dated events
    views         the blueprint: thin GET routes, 304s, rate limits
"""
