"""Users file, passwords, roles, masking, the console guard and audit details (pure functions)."""

from __future__ import annotations

import json
import stat

import pytest

from app import security
from app.security import LoginThrottle, User, UsersFileError


def test_users_file_round_trip_with_bcrypt_hashes(tmp_path):
    """Users are stored with bcrypt hashes, never passwords, in a file only its owner reads."""
    path = tmp_path / "users.toml"
    security.add_user(path, "ines", "investigator", "s3cret-pass")
    security.add_user(path, "abel", "analyst", "another-pass")
    text = path.read_text()
    assert "s3cret-pass" not in text and "$2b$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = security.read_users(path)
    assert {n: u["role"] for n, u in users.items()} == {"ines": "investigator", "abel": "analyst"}
    assert security.authenticate(users, "ines", "s3cret-pass") == User("ines", "investigator")
    assert security.authenticate(users, "ines", "wrong") is None
    assert security.authenticate(users, "nobody", "s3cret-pass") is None
    security.remove_user(path, "abel")
    assert list(security.read_users(path)) == ["ines"]


def test_missing_users_file_says_how_to_create_one(tmp_path):
    """There is no default user: a missing file is an error naming the command to run."""
    with pytest.raises(UsersFileError, match="--add-user NAME --role admin"):
        security.read_users(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("name", "role", "password", "match"),
    [
        ('bad"name', "admin", "long-enough", "User name"),
        ("ok", "root", "long-enough", "Role"),
        ("ok", "admin", "short", "at least 8"),
    ],
)
def test_bad_users_are_refused(tmp_path, name, role, password, match):
    """Names that could break the file, unknown roles and short passwords are refused."""
    with pytest.raises(ValueError, match=match):
        security.add_user(tmp_path / "u.toml", name, role, password)


def test_malformed_users_file_is_reported(tmp_path):
    """A user without a bcrypt hash or with an unknown role makes the file invalid."""
    path = tmp_path / "u.toml"
    path.write_text('[users.x]\nrole = "admin"\npassword_hash = "plain"\n')
    with pytest.raises(UsersFileError, match="bcrypt"):
        security.read_users(path)


def test_roles_grant_what_the_docs_say():
    """Analysts only escalate and see masked data; investigators decide; admins also audit."""
    analyst, investigator, admin = (User("a", r) for r in security.ROLES)
    assert analyst.can("escalate") and not analyst.can("decide")
    assert not analyst.can("personal_data") and not analyst.can("console")
    assert investigator.can("decide") and investigator.can("personal_data")
    assert not investigator.can("audit") and admin.can("audit")
    assert not User("x", "intruder").can("view")


def test_documents_and_names_are_masked():
    """CPF, CNPJ and names keep only the parts the usual public masks show."""
    assert security.mask_document("52998224725") == "***.982.247-**"
    assert security.mask_document("529.982.247-25") == "***.982.247-**"
    assert security.mask_document("11222333000181") == "**.***.333/0001-**"
    assert security.mask_name("Ana Souza") == "A** S****"


def test_masking_finds_personal_data_inside_text_and_nested_values():
    """Documents, e-mails, phones and IPs are masked inside text, lists and maps."""
    text = "Pix from 52998224725 to ana.souza@x.com.br, phone +5511987654321, ip 10.1.2.3"
    masked = security.mask_text(text)
    assert "52998224725" not in masked and "***.982.247-**" in masked
    assert "a***@x.com.br" in masked and "+55*******4321" in masked and "10.1.2.*" in masked
    row = {"h": {"nome": "Ana Souza", "cpf_cnpj": "52998224725"}, "ids": ["11144477735"]}
    assert security.mask_value(row) == {
        "h": {"nome": "A** S****", "cpf_cnpj": "***.982.247-**"},
        "ids": ["***.444.777-**"],
    }
    assert security.mask_key("3f2b8e3c-1d2e-4f5a-9b8c-7d6e5f4a3b2c", "EVP").startswith("3f2b")


def test_rows_are_masked_only_for_roles_without_personal_data_rights():
    """Investigators see rows unchanged; analysts see them masked."""
    rows = [{"nome": "Ana Souza", "cpf_cnpj": "52998224725", "valor": 10.5}]
    assert security.mask_rows(rows, User("i", "investigator")) == rows
    assert security.mask_rows(rows, User("a", "analyst")) == [
        {"nome": "A** S****", "cpf_cnpj": "***.982.247-**", "valor": 10.5}
    ]


def test_login_throttle_locks_a_name_after_repeated_failures():
    """Five failures lock the name for the lockout period; success clears the count."""
    throttle = LoginThrottle(limit=5, lockout_s=60)
    for t in range(5):
        assert throttle.wait_s("ines", now=100.0 + t) == 0
        throttle.failed("ines", now=100.0 + t)
    assert throttle.wait_s("ines", now=110.0) == pytest.approx(50.0)
    assert throttle.wait_s("ines", now=161.0) == 0
    throttle.failed("abel", now=0.0)
    throttle.succeeded("abel")
    assert throttle.wait_s("abel", now=1.0) == 0


def test_audit_detail_is_compact_json():
    """Audit details are JSON with non-JSON values turned into text and long texts cut."""
    detail = json.loads(security.audit_detail(cypher="x" * 5000, params={"when": object}))
    assert len(detail["cypher"]) == 4003 and isinstance(detail["params"]["when"], str)
