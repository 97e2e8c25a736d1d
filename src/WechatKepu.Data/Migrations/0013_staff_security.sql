-- Security review (issue 16): staff sessions that end when the account changes, ASP.NET Data Protection
-- keys shared by every instance, and wx.login codes that give out their token once.

-- A new random stamp whenever the account is disabled, its role, unit or password changes: a staff
-- cookie carries the stamp it was issued with and is refused once the row's stamp differs.
ALTER TABLE staff_accounts ADD COLUMN security_stamp text NOT NULL DEFAULT gen_random_uuid()::text;

-- The Data Protection key ring (cookie and antiforgery keys), one row per key XML element, AES-GCM
-- encrypted under a key from configuration (DataProtection:KeyEncryptionKey); key_id names which one.
CREATE TABLE data_protection_keys (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name  text NOT NULL UNIQUE,
    key_id         text NOT NULL,        -- 'plain' when no encryption key is configured (Development)
    element        bytea NOT NULL,       -- nonce (12) + ciphertext + tag (16), or the XML as UTF-8
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- A wx.login code is good for one login: the first answer marks the session redeemed.
ALTER TABLE mp_login_sessions ADD COLUMN redeemed_at timestamptz;
UPDATE mp_login_sessions SET redeemed_at = created_at;
