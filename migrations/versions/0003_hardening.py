"""hardening (issue 12): replay guard, shared counters, forced password change, sign-out

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seen_nonces',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('body_digest', sa.String(length=64), nullable=False),
    sa.Column('seen_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_seen_nonces'))
    )
    with op.batch_alter_table('seen_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_nonces_seen_at'), ['seen_at'], unique=False)

    op.create_table('shared_counts',
    sa.Column('key', sa.String(length=250), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_shared_counts'))
    )
    with op.batch_alter_table('shared_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_counts_expires_at'), ['expires_at'],
                              unique=False)

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_received_at'), ['received_at'],
                              unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_received_at'))

    with op.batch_alter_table('shared_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_counts_expires_at'))
    op.drop_table('shared_counts')

    with op.batch_alter_table('seen_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_nonces_seen_at'))
    op.drop_table('seen_nonces')
