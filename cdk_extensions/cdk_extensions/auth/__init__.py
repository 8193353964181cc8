"""Authentication for our connectors: access tokens cached across restarts (encrypted), renewed
once for all threads shortly before they expire, and masked in all output.

- `token_cache`: the encrypted, persistent cache of access tokens;
- `refreshing`: a token renewed before expiry, one refresh per credential at a time;
- `oauth2`: the refresh-token authenticator for `requests` (HubSpot), announcing rotated
  refresh tokens to the platform;
- `google`: the same cache and lock for google-auth credentials (GA4, BigQuery); import it
  explicitly, so connectors without Google do not load google-auth.
"""
