-- 0019: tell every ihala server on this PostgreSQL database when a user's
-- account or a session changes, so that each forgets the sessions it keeps in
-- memory (src/auth/session.h, src/store/pg_listen.h). PostgreSQL only (the
-- ".pg.sql" name): a server on SQLite keeps no such memory, and on SQLite this
-- migration is recorded without running.
--
-- pg_notify inside the writing transaction is delivered at its commit, and
-- once per transaction however many rows change. The users trigger fires only
-- for the columns a session check reads (USER_COLUMNS in src/auth/user.h):
-- the TOTP step written at each sign-in and password rehashes do not count.
CREATE FUNCTION ihala_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS
'BEGIN PERFORM pg_notify(''ihala_sessions'', ''''); RETURN NULL; END';

CREATE TRIGGER users_notify_sessions
AFTER UPDATE OF org_id, username, display_name, must_change_password, totp_enabled, disabled, locale,
	roles, version OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION ihala_sessions_changed();

CREATE TRIGGER sessions_notify_sessions
AFTER UPDATE OF user_id, csrf_token, created_at, expires_at OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION ihala_sessions_changed();
