"""Single sign-on through OpenID Connect: one identity provider per customer organization and
one for staff (`models`), their client secrets sealed at rest (`sealing`), configuring them
(`configuration`), the protocol itself — discovery, PKCE, the code exchange and the ID token's
checks (`protocol`) — and who a verified sign-in is (`people`)."""
