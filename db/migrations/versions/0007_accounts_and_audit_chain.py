"""accounts and the hash-chained audit trail

Adds the audit chain (username, prev_hash, entry_hash on audit_event; the audit_head row),
chains any entries written before this version in id order, makes audit_event append-only with
triggers, and adds app_setting.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from facilitator_app.domain.audit_chain import GENESIS, entry_hash

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_APPEND_ONLY = "audit_event is append-only"


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username', sa.String(length=60), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False,
                                      server_default=GENESIS))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=False,
                                      server_default=GENESIS))
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('app_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_setting'))
    )
    _chain_existing_entries()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('username', server_default=None)
        batch_op.alter_column('prev_hash', server_default=None)
        batch_op.alter_column('entry_hash', server_default=None)
    _forbid_update_and_delete()


def _chain_existing_entries() -> None:
    """Entries from before the chain existed are chained in id order, as they stand."""
    bind = op.get_bind()
    event = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('occurred_at',
                     sa.DateTime(timezone=True)), sa.column('user_id', sa.Integer),
                     sa.column('action', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_global_id', sa.Uuid), sa.column('detail', sa.Text),
                     sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String))
    prev, last_id = GENESIS, None
    rows = bind.execute(sa.select(event.c.id, event.c.occurred_at, event.c.user_id,
                                  event.c.action, event.c.entity, event.c.entity_global_id,
                                  event.c.detail).order_by(event.c.id)).all()
    for id_, occurred_at, user_id, action, entity, ref, detail in rows:
        digest = entry_hash(prev, id_, occurred_at, user_id, "", action, entity,
                            str(ref) if ref else None, detail)
        bind.execute(sa.update(event).where(event.c.id == id_)
                     .values(prev_hash=prev, entry_hash=digest))
        prev, last_id = digest, id_
    head = sa.table('audit_head', sa.column('id', sa.Integer),
                    sa.column('last_event_id', sa.Integer), sa.column('last_hash', sa.String))
    bind.execute(sa.insert(head).values(id=1, last_event_id=last_id, last_hash=prev))


_FORWARD_ONLY = "audit_head only moves forward"


def _forbid_update_and_delete() -> None:
    """Entries cannot be changed, deleted or truncated; the head cannot be deleted or moved
    back (which would hide entries cut off the end)."""
    if op.get_bind().dialect.name == 'sqlite':
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON "
                       f"audit_event BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END")
        op.execute("CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
                   "WHEN coalesce(NEW.last_event_id, 0) < coalesce(OLD.last_event_id, 0) "
                   f"BEGIN SELECT RAISE(ABORT, '{_FORWARD_ONLY}'); END")
        op.execute("CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
                   f"BEGIN SELECT RAISE(ABORT, '{_FORWARD_ONLY}'); END")
    else:
        op.execute("CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{_APPEND_ONLY}'; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "
                   "audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE FUNCTION audit_head_forward_only() RETURNS trigger AS $$ BEGIN "
                   "IF TG_OP <> 'UPDATE' OR coalesce(NEW.last_event_id, 0) "
                   "< coalesce(OLD.last_event_id, 0) THEN "
                   f"RAISE EXCEPTION '{_FORWARD_ONLY}'; END IF; RETURN NEW; END $$ "
                   "LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON "
                   "audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()")
        op.execute("CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ("audit_event_no_update", "audit_event_no_delete",
                        "audit_head_forward_only", "audit_head_no_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
    else:
        op.execute("DROP TRIGGER audit_head_no_truncate ON audit_head")
        op.execute("DROP TRIGGER audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION audit_head_forward_only()")
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_table('app_setting')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('username')
