"""query indexes and denormalised latest dates for the whole-register statements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00

The observation index gains ``code`` so "latest per element" reads (the latest smoking status,
the care-plan cluster) are answered from the index alone. The patient row gains the latest date
of each core element, the care plan, each register record and care adjustments; they are filled here from the records, and
kept by db.queries.recall.refresh_recall_anchor from now on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LATEST = ('bmi_last_on', 'blood_pressure_last_on', 'lipids_last_on', 'glucose_last_on',
          'alcohol_last_on', 'smoking_last_on', 'care_plan_last_on', 'first_diagnosis_on', 'last_diagnosis_on',
          'last_remission_on', 'last_lithium_issue_on', 'last_lithium_stop_on',
          'last_care_adjustment_on')
KEPT = ('bmi', 'blood_pressure', 'lipids', 'glucose', 'alcohol', 'smoking', 'care_plan')


def upgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        for name in LATEST:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_patient_element_date')
        batch_op.create_index('ix_observation_patient_element_date_code',
                              ['patient_id', 'element', 'observed_on', 'code'], unique=False)
    # Backfill, the same values refresh_recall_anchor computes (correlated form: it runs once).
    sets = [f"{e}_last_on = (SELECT max(observed_on) FROM observation o "
            f"WHERE o.patient_id = patient.id AND o.element = '{e}')" for e in KEPT]
    sets += [
        "first_diagnosis_on = (SELECT min(diagnosed_on) FROM smi_diagnosis d "
        "WHERE d.patient_id = patient.id)",
        "last_diagnosis_on = (SELECT max(diagnosed_on) FROM smi_diagnosis d "
        "WHERE d.patient_id = patient.id)",
        "last_remission_on = (SELECT max(recorded_on) FROM remission r "
        "WHERE r.patient_id = patient.id)",
        "last_lithium_issue_on = (SELECT max(issued_on) FROM medication_issue m "
        "WHERE m.patient_id = patient.id AND m.drug = 'lithium' AND m.stopped = false)",
        "last_lithium_stop_on = (SELECT max(issued_on) FROM medication_issue m "
        "WHERE m.patient_id = patient.id AND m.drug = 'lithium' AND m.stopped = true)",
        "last_care_adjustment_on = (SELECT max(recorded_on) FROM care_adjustment a "
        "WHERE a.patient_id = patient.id)",
    ]
    op.execute("UPDATE patient SET " + ", ".join(sets))


def downgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_patient_element_date_code')
        batch_op.create_index('ix_observation_patient_element_date',
                              ['patient_id', 'element', 'observed_on'], unique=False)
    with op.batch_alter_table('patient', schema=None) as batch_op:
        for name in reversed(LATEST):
            batch_op.drop_column(name)
