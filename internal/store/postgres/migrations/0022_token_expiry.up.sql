-- An API token may expire (issue 22, S-02): 0 is never. A revoked or
-- expired token is refused at the next request, on every replica, since
-- every request reads its token's row.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
