"""gateway: organisations, staff memberships, invitations, sessions, connector keys, shifts, audit log

Every existing creator account becomes the one creator of a new organisation named after it, and
its members become members of that organisation with the same role (on all its creators).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
UUIDS = postgresql.ARRAY(postgresql.UUID(as_uuid=True))
TS = sa.DateTime(timezone=True)
ROLES = "role IN ('owner', 'manager', 'chatter', 'analyst')"


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.add_column("creators", sa.Column("org_id", UUID, sa.ForeignKey("organizations.id"), nullable=True))
    op.create_table(
        "org_memberships",
        sa.Column("user_id", UUID, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("org_id", UUID, sa.ForeignKey("organizations.id"), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("creator_ids", UUIDS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(ROLES, name="org_role"),
    )
    op.create_index("org_memberships_org", "org_memberships", ["org_id"])
    # one organisation per existing creator account, its memberships carried over
    op.execute("INSERT INTO organizations (id, name, created_at) SELECT id, display_name, created_at FROM creators")
    op.execute("UPDATE creators SET org_id = id")
    op.execute(
        "INSERT INTO org_memberships (user_id, org_id, role, creator_ids, created_at) "
        "SELECT user_id, creator_id, role, NULL, created_at FROM memberships"
    )
    op.alter_column("creators", "org_id", nullable=False)
    op.create_index("creators_org", "creators", ["org_id"])
    op.drop_table("memberships")

    op.create_table(
        "invitations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("org_id", UUID, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("creator_ids", UUIDS, nullable=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("invited_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("accepted_by", UUID, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.CheckConstraint(ROLES, name="invitation_role"),
    )
    op.create_index("invitations_org", "invitations", ["org_id", "created_at"])
    op.create_table(
        "sessions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_reason", sa.String(40), nullable=True),
    )
    op.create_index("sessions_user", "sessions", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("session_id", UUID, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("rotated_at", TS, nullable=True),
    )
    op.create_index("refresh_tokens_session", "refresh_tokens", ["session_id"])
    op.create_table(
        "connector_keys",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("org_id", UUID, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("creator_id", UUID, sa.ForeignKey("creators.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_index("connector_keys_creator", "connector_keys", ["creator_id", "created_at"])
    op.create_table(
        "shifts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("org_id", UUID, sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("user_id", UUID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("creator_ids", UUIDS, nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="shift_window"),
    )
    op.create_index("shifts_org_start", "shifts", ["org_id", "starts_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_user_id", UUID, nullable=True),
        sa.Column("actor_key_id", UUID, nullable=True),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("creator_id", UUID, nullable=True),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("target", sa.String(2000), nullable=False),
        sa.Column("request_id", UUID, nullable=True),
        sa.Column("status", sa.Integer, nullable=True),
    )
    op.create_index("audit_log_org", "audit_log", ["org_id", "id"])
    # append-only: no DELETE, and an UPDATE may only record the outcome of an entry that has none
    op.execute(
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'audit_log is append-only';
            END IF;
            IF OLD.status IS NOT NULL OR NEW.status IS NULL
               OR (NEW.id, NEW.org_id, NEW.at, NEW.actor_user_id, NEW.actor_key_id, NEW.actor_role,
                   NEW.creator_id, NEW.action, NEW.target, NEW.request_id)
                  IS DISTINCT FROM
                  (OLD.id, OLD.org_id, OLD.at, OLD.actor_user_id, OLD.actor_key_id, OLD.actor_role,
                   OLD.creator_id, OLD.action, OLD.target, OLD.request_id) THEN
                RAISE EXCEPTION 'audit_log is append-only (only a missing outcome may be recorded)';
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    for table in ("audit_log", "shifts", "connector_keys", "refresh_tokens", "sessions", "invitations"):
        op.drop_table(table)
    op.create_table(
        "memberships",
        sa.Column("user_id", UUID, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("creator_id", UUID, sa.ForeignKey("creators.id"), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(ROLES, name="role"),
    )
    op.execute(
        "INSERT INTO memberships (user_id, creator_id, role, created_at) "
        "SELECT m.user_id, c.id, m.role, m.created_at FROM org_memberships m JOIN creators c ON c.org_id = m.org_id"
    )
    op.drop_table("org_memberships")
    op.drop_column("creators", "org_id")
    op.drop_table("organizations")
