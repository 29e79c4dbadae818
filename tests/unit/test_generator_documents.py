"""CPF, CNPJ and EVP key generation and validation."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd

from data.generator.documents import (
    new_cnpjs,
    new_cpfs,
    uuid4_bytes,
    uuid_strings,
)
from ingest.validate import valid_documents


def is_valid(doc: str) -> bool:
    """The loaders' check (an implementation independent of the generator's)."""
    return bool(valid_documents(pd.Series([doc])).iloc[0])


def test_known_documents_validate() -> None:
    """Published example numbers validate; a changed digit or a repeated digit does not."""
    assert is_valid("52998224725")
    assert not is_valid("52998224726")
    assert not is_valid("11111111111")
    assert not is_valid("5299822472")
    assert is_valid("11222333000181")
    assert not is_valid("11222333000182")
    assert not is_valid("00000000000000")


def test_generated_documents_are_valid_and_distinct() -> None:
    """Generated CPFs and CNPJs all pass the check-digit rules and never repeat."""
    rng = np.random.default_rng(0)
    cpfs = new_cpfs(rng, 5_000)
    cnpjs = new_cnpjs(rng, 5_000)
    assert len(set(cpfs.tolist())) == cpfs.size
    assert len(set(cnpjs.tolist())) == cnpjs.size
    assert valid_documents(pd.Series([f"{c:011d}" for c in cpfs])).all()
    assert valid_documents(pd.Series([f"{c:014d}" for c in cnpjs])).all()


def test_evp_keys_are_version_4_uuids() -> None:
    """Random keys are canonical lowercase version-4 UUID strings."""
    text = uuid_strings(uuid4_bytes(np.random.default_rng(1), 500))
    for raw in text:
        value = raw.decode()
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and str(parsed) == value
