from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import AuditLog, User
from db.repositories import users as repo


def test_add_verify_and_change_password(db_engine):
    repo.add_user(db_engine, "kim", "correct-horse")
    assert repo.verify(db_engine, "kim", "correct-horse").username == "kim"
    assert repo.verify(db_engine, "kim", "wrong-password") is None
    assert repo.verify(db_engine, "nobody", "correct-horse") is None
    repo.set_password(db_engine, "kim", "battery-staple")
    assert repo.verify(db_engine, "kim", "correct-horse") is None
    assert repo.verify(db_engine, "kim", "battery-staple") is not None


def test_hashes_are_salted_not_clear(db_engine):
    repo.add_user(db_engine, "a", "same-password")
    repo.add_user(db_engine, "b", "same-password")
    with session_scope(db_engine) as s:
        hashes = [u.password_hash for u in s.scalars(select(User))]
    assert len(set(hashes)) == 2 and all("same-password" not in h for h in hashes)


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("kim", "short", "at least 8"),
        ("", "long-enough-pw", "username"),
        ("bad name!", "long-enough-pw", "username"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(db_engine, name, password, message):
    with pytest.raises(repo.UserError, match=message):
        repo.add_user(db_engine, name, password)
    assert repo.count_users(db_engine) == 0


def test_duplicate_user_is_refused(db_engine):
    repo.add_user(db_engine, "kim", "correct-horse")
    with pytest.raises(repo.UserError, match="already exists"):
        repo.add_user(db_engine, "kim", "other-password")


def test_first_admin_is_created_once_and_audited(db_engine):
    pw = repo.ensure_admin(db_engine)
    assert pw and len(pw) >= 12 and repo.verify(db_engine, "admin", pw).is_admin
    assert repo.ensure_admin(db_engine) is None
    with session_scope(db_engine) as s:
        assert [a.action for a in s.scalars(select(AuditLog))] == ["user.add"]
