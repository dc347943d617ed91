"""Who someone is: users, organizations and invitations (the models), creating accounts, and
the credentials that sign them in. The base every domain stands on: it imports no domain."""
