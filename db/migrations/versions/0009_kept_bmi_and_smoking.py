"""the patient row keeps the latest BMI value and smoking status

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00

MH011 asks, for everyone whose lipids are inside 24 months but not 12, whether they are at
higher risk: the latest BMI against the ethnicity's threshold, then the latest smoking status.
Looked up per patient in the observation indexes that cost about 1 s of the QOF summary's 2 s
on an encrypted register of 100,000 patients (pages decrypted again for every seek). The
patient row now keeps both beside the dates it already keeps; they are filled here from the
records, and kept by db.queries.recall.refresh_recall_anchor from now on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BMI = '60621009'  # as facilitator_app.domain.codes.BMI, frozen here


def upgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bmi_last_value', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('smoking_last_code', sa.String(length=20), nullable=True))
    # Backfill, the same values refresh_recall_anchor computes (correlated form: it runs once).
    op.execute(
        "UPDATE patient SET "
        "bmi_last_value = (SELECT o.value FROM observation o WHERE o.patient_id = patient.id "
        f"AND o.code = '{BMI}' ORDER BY o.observed_on DESC LIMIT 1), "
        "smoking_last_code = (SELECT o.code FROM observation o WHERE o.patient_id = patient.id "
        "AND o.element = 'smoking' ORDER BY o.observed_on DESC, o.code DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('smoking_last_code')
        batch_op.drop_column('bmi_last_value')
