"""Migration clinic/0007 drops DRF's old `authtoken_token` table: its rows would keep a user
who once had such a token from ever being deleted (found by the benchmark's rebuild, which
deletes its users: a foreign key no model knows about any more refused it)."""

from importlib import import_module

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

DROP = import_module("clinic.migrations.0007_drop_drf_authtoken").Migration


def _old_token_for(user) -> None:
    with connection.cursor() as cursor:  # the table as DRF's authtoken app had made it
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz,"
            " user_id integer UNIQUE REFERENCES auth_user (id))"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES ('k', now(), %s)", [user.pk])


def test_the_old_token_table_is_dropped_and_its_users_can_be_deleted(db):
    users = get_user_model().objects
    stuck, freed = users.create_user("had-a-token"), users.create_user("had-one-too")
    _old_token_for(stuck)
    try:
        with transaction.atomic():
            stuck.delete()
    except IntegrityError:
        pass
    else:
        raise AssertionError("the old table no longer holds its users: the test proves nothing")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE authtoken_token SET user_id = %s", [freed.pk])
    with connection.schema_editor() as editor:
        for operation in DROP.operations:
            operation.database_forwards("clinic", editor, None, None)
    assert "authtoken_token" not in connection.introspection.table_names()
    freed.delete()
    assert not users.filter(username="had-one-too").exists()
