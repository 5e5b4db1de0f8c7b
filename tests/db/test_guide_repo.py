"""The tour's progress per user (db/repositories/guide.py) on the migrated schema, SQLite and MariaDB."""

from __future__ import annotations

import pytest

from db.engine import make_engine
from db.migrate import upgrade
from db.repositories import guide as guide_repo
from db.repositories.users import add_user, remove_user


@pytest.fixture(params=["sqlite", "mariadb"])
def engine(request):
    url = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


def test_progress_is_saved_resumed_finished_restarted_and_removed_with_the_user(engine):
    uid = add_user(engine, "newbie", "password-123").id
    other = add_user(engine, "admin2", "password-123", role="admin").id
    assert guide_repo.get_progress(engine, uid) is None  # never offered

    first = guide_repo.save_progress(engine, uid, "active", 0)
    assert (first.status, first.step, first.finished_at) == ("active", 0, None)
    resumed = guide_repo.save_progress(engine, uid, "active", 3)
    assert (resumed.step, resumed.started_at) == (3, first.started_at)
    assert guide_repo.get_progress(engine, other) is None  # per user

    done = guide_repo.save_progress(engine, uid, "completed", 9)
    assert done.status == "completed" and done.finished_at is not None
    assert guide_repo.get_progress(engine, uid) == done

    again = guide_repo.save_progress(engine, uid, "active", 0)  # 투어 다시 시작
    assert (again.status, again.step, again.finished_at) == ("active", 0, None)
    assert again.started_at >= done.started_at

    with pytest.raises(ValueError, match="unknown guide status 'paused'"):
        guide_repo.save_progress(engine, uid, "paused", 1)
    with pytest.raises(ValueError, match="0 or more"):
        guide_repo.save_progress(engine, uid, "active", -1)
    assert guide_repo.get_progress(engine, uid) == again  # refused: no change

    remove_user(engine, "newbie")
    assert guide_repo.get_progress(engine, uid) is None
