"""Investigators' decisions reach the GNN as dated labels: a ring confirmed through the app's
store layer at time t labels the members it had then as positives known at t; a training
cut-off before t keeps them out of training, one after t puts them in.

The graph: five accounts; ring R-LBL holds U1 and U2 when it is confirmed; a later detection
run adds U3 to it (the investigator never saw U3 in it); U4 is confirmed on its own, then
dismissed, so it is no positive at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app import store
from app.security import User
from gnn import dataset as D
from graph.queries import inline
from ingest.writer import write_rows

pytestmark = pytest.mark.integration

IDS = ["U1", "U2", "U3", "U4", "U5"]
INVESTIGATOR = User("ines", "investigator")


@pytest.fixture(scope="module")
def decided(gateway):
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    write_rows(gateway, "usuarios", [
        {"id_usuario": u, "cpf_cnpj": str(i) * 11, "nome": u, "email": None, "telefone": None,
         "data_cadastro": "2025-01-01T00:00:00", "status": "ativa"}
        for i, u in enumerate(IDS, start=1)
    ])  # fmt: skip
    gateway.query(
        inline(
            "CREATE (r:Ring {ring_id: 'R-LBL', status: 'open'}) WITH r "
            "MATCH (a:Account) WHERE a.id_usuario IN ['U1', 'U2'] CREATE (a)-[:MEMBER_OF]->(r)"
        )
    )
    before = datetime.now(UTC)
    ring = store.record_decision(gateway, INVESTIGATOR, "ring", "R-LBL", "confirm", "Same farm.")
    after = datetime.now(UTC)
    gateway.query(
        inline(
            "MATCH (r:Ring {ring_id: 'R-LBL'}), (a:Account {id_usuario: 'U3'}) "
            "CREATE (a)-[:MEMBER_OF]->(r)"
        )
    )
    store.record_decision(gateway, INVESTIGATOR, "account", "U4", "confirm", "Drained.")
    store.record_decision(gateway, INVESTIGATOR, "account", "U4", "dismiss", "Was a victim.")
    return ring, before, after


def test_decision_time_is_stored_timezone_aware(decided):
    """The app stores the decision's `at` as a timezone-aware datetime within the call."""
    ring, before, after = decided
    at = ring["at"]
    assert at.tzinfo is not None and before <= at <= after


def test_confirmed_ring_members_are_positives_known_at_decision_time(gateway, decided):
    """The members the ring had when it was confirmed are positives known at the decision's
    time (on the graph's Brasília clock); U3, added later, and U4, dismissed, are not."""
    ring, _, _ = decided
    labels = D.export_labels(gateway)
    t = D.to_epoch(ring["at"])
    brasilia_wall = ring["at"].astimezone(UTC) - timedelta(hours=3)
    assert t == brasilia_wall.replace(tzinfo=UTC).timestamp()
    whole = float(int(t))  # Cypher's epochSeconds drops the fraction
    assert D.positive_times(labels).to_dict() == {"U1": whole, "U2": whole}
    assert set(labels["source"]) == {"ring"}


def test_cutoff_before_decision_keeps_members_out_of_training(gateway, decided):
    """With the cut-off a minute before the decision the members are late positives (test
    accounts); a minute after it they are training positives."""
    ring, _, _ = decided
    labels = D.export_labels(gateway)
    t = int(D.to_epoch(ring["at"]))
    members = np.isin(IDS, ["U1", "U2"])
    early = D.make_split(IDS, labels, cutoff=t - 60, test_share=0.0)
    assert not early.train[members].any() and early.test[members].all()
    assert (early.y * early.train).sum() == 0
    late = D.make_split(IDS, labels, cutoff=t + 60, test_share=0.0)
    assert late.train[members].all() and (late.y * late.train)[members].tolist() == [1, 1]
    assert (late.y * late.train).sum() == 2
