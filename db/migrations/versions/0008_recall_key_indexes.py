"""recall indexes on the recall key, so "overdue" is one index range

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00

The two recall indexes on ``patient`` held ``core_check_oldest_on`` itself, NULL for a patient
with a core element never recorded. "Overdue" is "never recorded or last done before the
cut-off", and ``x IS NULL OR x < :cut`` is not a range either database can read off an index,
so the caseload's overdue filter scanned the whole index (138 ms at 909,091 patients, and
176 ms for the last page). The indexes now hold ``coalesce(core_check_oldest_on,
'0001-01-01')`` (db.models.RECALL_KEY_SQL), which is one range for every status.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

RECALL_KEY_SQL = "coalesce(core_check_oldest_on, '0001-01-01')"  # as db.models, frozen here


def upgrade() -> None:
    op.drop_index('ix_patient_practice_recall', table_name='patient')
    op.drop_index('ix_patient_recall', table_name='patient')
    op.create_index('ix_patient_practice_recall', 'patient',
                    ['practice_id', sa.text(RECALL_KEY_SQL), 'id'], unique=False)
    op.create_index('ix_patient_recall', 'patient', [sa.text(RECALL_KEY_SQL), 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_patient_practice_recall', table_name='patient')
    op.drop_index('ix_patient_recall', table_name='patient')
    op.create_index('ix_patient_practice_recall', 'patient',
                    ['practice_id', 'core_check_oldest_on', 'id'], unique=False)
    op.create_index('ix_patient_recall', 'patient', ['core_check_oldest_on', 'id'],
                    unique=False)
