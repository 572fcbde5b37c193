"""StructNoSQL 2.6.7, the Python library structnosql ports, measured on the same scenarios as
`benches/economy.rs` and the same workload as `benches/original.rs`.

Run by `benches/python_original/run.sh`, which installs the library in a virtualenv and starts a DynamoDB server.
Needs STRUCTNOSQL_BENCH_ENDPOINT (the server's URL). Writes, under target/bench-results/:

- original-python-economy.json: the DynamoDB requests StructNoSQL sends in each economy scenario,
  counted with a botocore `before-send` hook (one call per HTTP attempt, retries included), and the
  read and write capacity units DynamoDB reports for them (`capacity`: every request that takes it
  is sent with ReturnConsumedCapacity=TOTAL; the answers' ConsumedCapacity is summed in an
  `after-call` hook);
- original-python.json: operations per second (wall clock) and client CPU per operation
  (`time.process_time`; the server is another process, so its CPU is not included) for each step
  of the fixed workload.

Where StructNoSQL raises, or gives a result other than the one the scenario checks for, that is
recorded in the JSON (`error`, `deviation`) next to the requests it had sent.
"""

import argparse
import contextlib
import copy
import io
import json
import os
import platform
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ENDPOINT = os.environ.get("STRUCTNOSQL_BENCH_ENDPOINT", "")
if not ENDPOINT:
    sys.exit("workload.py: set STRUCTNOSQL_BENCH_ENDPOINT to the DynamoDB server's URL (benches/python_original/run.sh does)")

# boto3 reads these when StructNoSQL creates its DynamoDB resource (once per region, on the first table).
os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = ENDPOINT
os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3  # noqa: E402
import botocore  # noqa: E402

boto3.setup_default_session()

from StructNoSQL import (  # noqa: E402
    BaseField,
    DynamoDBBasicTable,
    DynamoDBCachingTable,
    FieldGetter,
    FieldRemover,
    FieldSetter,
    GlobalSecondaryIndex,
    MapModel,
    PrimaryIndex,
    TableDataModel,
)

REGION = "eu-west-2"
RESULTS_DIR = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).resolve().parents[2] / "target")) / "bench-results"


# ---- Request counting --------------------------------------------------------------------------------


# The operations that take ReturnConsumedCapacity, and whether each reads (a bare CapacityUnits in
# their answer counts as read units for those, as write units for the others).
CAPACITY_OPERATIONS = {
    "GetItem": True,
    "Query": True,
    "Scan": True,
    "BatchGetItem": True,
    "TransactGetItems": True,
    "PutItem": False,
    "UpdateItem": False,
    "DeleteItem": False,
    "BatchWriteItem": False,
    "TransactWriteItems": False,
}


class RequestCounter:
    """Counts the DynamoDB requests boto3 sends while active, and sums the capacity DynamoDB reports
    for them. StructNoSQL keeps one boto3 resource per region, created from the default session, so
    hooks on that session see every request.

    While `ask_capacity` is set (the economy scenarios; the timed workload sends StructNoSQL's
    requests unchanged), every request that takes it is sent with ReturnConsumedCapacity=TOTAL
    (added to the parameters StructNoSQL passes; nothing else changes), and the ConsumedCapacity of
    each counted answer is summed: `read`/`write` units, `reported` answers that carried one,
    `unreported` successful answers without one, `refused` error answers (DynamoDB reports no
    capacity with an error)."""

    def __init__(self) -> None:
        self.count = 0
        self.active = False
        self.ask_capacity = False
        self.capacity = self.no_capacity()
        events = boto3.DEFAULT_SESSION.events
        events.register("before-send.dynamodb", self._on_send)
        events.register("before-parameter-build.dynamodb", self._ask_capacity)
        events.register("after-call.dynamodb", self._on_answer)

    @staticmethod
    def no_capacity() -> Dict[str, Any]:
        return {"read": 0.0, "write": 0.0, "reported": 0, "unreported": 0, "refused": 0}

    def _on_send(self, **_: Any) -> None:
        if self.active:
            self.count += 1

    def _ask_capacity(self, params: dict, model: Any, **_: Any) -> None:
        if self.ask_capacity and model.name in CAPACITY_OPERATIONS:
            params["ReturnConsumedCapacity"] = "TOTAL"

    def _on_answer(self, http_response: Any, parsed: dict, model: Any, **_: Any) -> None:
        if not (self.active and self.ask_capacity) or model.name not in CAPACITY_OPERATIONS:
            return
        if http_response.status_code >= 300:
            self.capacity["refused"] += 1
            return
        consumed = parsed.get("ConsumedCapacity")
        if consumed is None:
            self.capacity["unreported"] += 1
            return
        self.capacity["reported"] += 1
        for capacity in consumed if isinstance(consumed, list) else [consumed]:
            read, write = capacity.get("ReadCapacityUnits"), capacity.get("WriteCapacityUnits")
            if read is None and write is None:
                kind = "read" if CAPACITY_OPERATIONS[model.name] else "write"
                self.capacity[kind] += capacity.get("CapacityUnits", 0.0)
            else:
                self.capacity["read"] += read or 0.0
                self.capacity["write"] += write or 0.0

    def start(self) -> None:
        self.count = 0
        self.capacity = self.no_capacity()
        self.active = True

    def stop(self) -> int:
        self.active = False
        return self.count


COUNTER = RequestCounter()


# ---- Models: the same shapes as benches/economy.rs and benches/original.rs ----------------------------


class AuthToken(MapModel):
    expirationTimestamp = BaseField(field_type=int, required=True)


class Friend(MapModel):
    name = BaseField(field_type=str, required=False)
    profession = BaseField(field_type=str, required=False)
    score = BaseField(field_type=int, required=False)
    relationshipStatus = BaseField(field_type=str, required=False)


class ShoppingCartItem(MapModel):
    productName = BaseField(field_type=str, required=True)
    quantity = BaseField(field_type=int, required=True)
    maxDiscountPercent = BaseField(field_type=int, required=False)


class Mail(MapModel):
    status = BaseField(field_type=str, required=False)
    receivedTimestamp = BaseField(field_type=int, required=False)
    timestampForAutoAnswer = BaseField(field_type=int, required=False)
    isNotRead = BaseField(field_type=bool, required=False)


class Account(TableDataModel):
    """The docs' `accounts-data` table, every sample's fields in one model."""

    userId = BaseField(field_type=str, required=True)
    username = BaseField(field_type=str, required=False)
    tokens = BaseField(field_type=Dict[str, AuthToken], key_name="tokenId", required=False)
    lastConnectionTimestamp = BaseField(field_type=int, required=False)
    friends = BaseField(field_type=Dict[str, Friend], key_name="friendId", required=False)
    shoppingCartItems = BaseField(field_type=Dict[str, ShoppingCartItem], key_name="itemId", required=False)
    mails = BaseField(field_type=Dict[str, Mail], key_name="mailId", required=False)


class Ratings(MapModel):
    imdb = BaseField(field_type=(int, float), required=False)
    rottentomatoes = BaseField(field_type=(int, float), required=False)


class Movie(TableDataModel):
    """The docs' `movies-table`, with a global secondary index on `primaryType`."""

    id = BaseField(field_type=str, required=True)
    primaryType = BaseField(field_type=str, required=True)
    name = BaseField(field_type=str, required=True)
    ratings = BaseField(field_type=Ratings, required=False)


MOVIES = [
    ("c30", "Game of Thrones", "Fantasy", 9.2),
    ("d52", "Hannibal", "Thriller", 8.5),
    ("b12", "Breaking Bad", "Thriller", 9.4),
    ("n96", "The Walking Dead", "Thriller", 8.2),
    ("o28", "Amazon Lord of the Rings", "Fantasy", None),
    ("h57", "Narcos", "Thriller", 8.8),
    ("p05", "Chernobyl", "Thriller", 9.4),
    ("m19", "The Witcher", "Fantasy", 8.2),
    ("b45", "Dark", "Thriller", 8.8),
]


class Level5(MapModel):
    leaf = BaseField(field_type=int, required=False)


class Level4(MapModel):
    leaf = BaseField(field_type=int, required=False)
    level5 = BaseField(field_type=Level5, required=False)


class Level3(MapModel):
    leaf = BaseField(field_type=int, required=False)
    level4 = BaseField(field_type=Level4, required=False)


class Level2(MapModel):
    leaf = BaseField(field_type=int, required=False)
    level3 = BaseField(field_type=Level3, required=False)


class Level1(MapModel):
    leaf = BaseField(field_type=int, required=False)
    level2 = BaseField(field_type=Level2, required=False)


class Nested(TableDataModel):
    id = BaseField(field_type=str, required=True)
    level1 = BaseField(field_type=Level1, required=False)


WIDE_FIELDS = [f"field{index}" for index in range(10)]


class Wide(TableDataModel):
    id = BaseField(field_type=str, required=True)
    field0 = BaseField(field_type=int, required=False)
    field1 = BaseField(field_type=int, required=False)
    field2 = BaseField(field_type=int, required=False)
    field3 = BaseField(field_type=int, required=False)
    field4 = BaseField(field_type=int, required=False)
    field5 = BaseField(field_type=int, required=False)
    field6 = BaseField(field_type=int, required=False)
    field7 = BaseField(field_type=int, required=False)
    field8 = BaseField(field_type=int, required=False)
    field9 = BaseField(field_type=int, required=False)


class Settings(MapModel):
    theme = BaseField(field_type=str, required=False)
    volume = BaseField(field_type=int, required=False)


class InventoryItem(MapModel):
    count = BaseField(field_type=int, required=True)


class Player(TableDataModel):
    playerId = BaseField(field_type=str, required=True)
    name = BaseField(field_type=str, required=False)
    level = BaseField(field_type=int, required=False)
    score = BaseField(field_type=int, required=False)
    settings = BaseField(field_type=Settings, required=False)
    inventory = BaseField(field_type=Dict[str, InventoryItem], key_name="itemId", required=False)


class ProfileToken(MapModel):
    expirationTimestamp = BaseField(field_type=int, required=True)


class ProfileSettings(MapModel):
    theme = BaseField(field_type=str, required=False)
    volume = BaseField(field_type=int, required=False)
    language = BaseField(field_type=str, required=False)


class Profile(TableDataModel):
    """The workload's records."""

    userId = BaseField(field_type=str, required=True)
    username = BaseField(field_type=str, required=False)
    level = BaseField(field_type=int, required=False)
    tokens = BaseField(field_type=Dict[str, ProfileToken], key_name="tokenId", required=False)
    settings = BaseField(field_type=ProfileSettings, required=False)


# ---- Tables -----------------------------------------------------------------------------------------

_TABLE_COUNTER = [0]


def unique_table_name(prefix: str) -> str:
    _TABLE_COUNTER[0] += 1
    return f"{prefix}-py-{os.getpid()}-{_TABLE_COUNTER[0]}-{time.time_ns() % 1_000_000_000}"


def make_table(kind, model, name: str, hash_key: str, gsi: Optional[str] = None):
    indexes = None
    if gsi is not None:
        indexes = [GlobalSecondaryIndex(hash_key_name=gsi, hash_key_variable_python_type=str, projection_type="ALL")]
    return kind(
        table_name=name,
        region_name=REGION,
        data_model=model,
        primary_index=PrimaryIndex(hash_key_name=hash_key, hash_key_variable_python_type=str),
        global_secondary_indexes=indexes,
        auto_create_table=True,
    )


def raw_item(table_name: str, key: dict) -> Optional[dict]:
    """The stored item, read with boto3 directly (not counted)."""
    active = COUNTER.active
    COUNTER.active = False
    try:
        resource = boto3.resource("dynamodb", region_name=REGION)
        return resource.Table(table_name).get_item(Key=key, ConsistentRead=True).get("Item")
    finally:
        COUNTER.active = active


class Deviation(Exception):
    """StructNoSQL's result differs from what the scenario expects (recorded, not fatal)."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Deviation(message)


def accounts_with(record: dict):
    """A basic `accounts-data` table holding `record`; counting starts after."""
    table = make_table(DynamoDBBasicTable, Account, unique_table_name("economy-accounts"), "userId")
    expect(table.put_record(record) is True, "put_record of the sample's record failed")
    COUNTER.start()
    return table


def caching_accounts():
    table = make_table(DynamoDBCachingTable, Account, unique_table_name("economy-accounts"), "userId")
    COUNTER.start()
    return table


def movies(with_ratings: bool):
    name = unique_table_name("economy-movies")
    setup = make_table(DynamoDBBasicTable, Movie, name, "id", gsi="primaryType")
    for movie_id, movie_name, primary_type, imdb in MOVIES:
        record = {"id": movie_id, "name": movie_name, "primaryType": primary_type}
        if with_ratings:
            record["ratings"] = {"imdb": imdb, "rottentomatoes": None}
        expect(setup.put_record(record) is True, f"put of movie {movie_id} failed")
    table = make_table(DynamoDBBasicTable, Movie, name, "id", gsi="primaryType")
    COUNTER.start()
    return table


# StructNoSQL's caching table keeps the dict given to put_record and later writes change it in place,
# so every call gets a fresh copy of these.
ROBINSON = {"userId": "x42", "username": "Robinson"}
ROBINSON_WITH_MAIL = {"userId": "x42", "username": "Robinson", "mails": {"m42": {"status": "not-read"}}}
COFFEE = {"productName": "Soluble coffee jar", "quantity": 8}
CART_AND_TOKENS = {
    "userId": "x42",
    "shoppingCartItems": {"i42": dict(COFFEE)},
    "tokens": {"t32": {"expirationTimestamp": 1618322249}},
}


# ---- Basic samples ------------------------------------------------------------------------------------


def get_field_single_selection():
    table = accounts_with({
        "userId": "x42",
        "username": "Robinson",
        "friends": {
            "b242": {"relationshipStatus": "superFriend"},
            "b59O": {"relationshipStatus": "lover"},
            "b112": {"relationshipStatus": "businessPartner"},
        },
    })
    status = table.get_field(key_value="x42", field_path="friends.{{friendId}}.relationshipStatus", query_kwargs={"friendId": "b112"})
    expect(status == "businessPartner", f"got {status!r}")


def get_field_multi_selectors():
    table = accounts_with({
        "userId": "x42",
        "username": "Robinson",
        "friends": {"b112": {"name": "Malo", "profession": "electrical engineer", "score": 100}},
    })
    friend = table.get_field(key_value="x42", field_path="friends.{{friendId}}.(name, profession, score)", query_kwargs={"friendId": "b112"})
    expect(friend == {"name": "Malo", "profession": "electrical engineer", "score": 100}, f"got {friend!r}")


def get_multiple_fields_basic():
    table = accounts_with({
        "userId": "x42",
        "username": "Robinson",
        "tokens": {"t32": {"expirationTimestamp": 1618322249}},
        "lastConnectionTimestamp": 1607220132,
    })
    fields = table.get_multiple_fields(key_value="x42", getters={
        "name": FieldGetter(field_path="username"),
        "tokenExpiration": FieldGetter(field_path="tokens.{{tokenId}}.expirationTimestamp", query_kwargs={"tokenId": "t42"}),
        "lastConnectionTimestamp": FieldGetter(field_path="lastConnectionTimestamp"),
    })
    expect(fields is not None and fields.get("name") == "Robinson", f"got {fields!r}")


def query_field_basic():
    table = accounts_with({"userId": "x42", "shoppingCartItems": {"i42": dict(COFFEE)}})
    records, _ = table.query_field(key_value="x42", field_path="shoppingCartItems.{{itemId}}", query_kwargs={"itemId": "i42"})
    expect(records is not None and len(records) == 1, f"got {records!r}")


def query_field_pagination():
    table = movies(with_ratings=False)
    first, first_metadata = table.query_field(index_name="primaryType", key_value="Thriller", field_path="name", pagination_records_limit=3)
    found = len(first or {})
    if first_metadata.has_reached_end is not True:
        second, second_metadata = table.query_field(
            index_name="primaryType", key_value="Thriller", field_path="name", pagination_records_limit=3,
            exclusive_start_key=first_metadata.last_evaluated_key,
        )
        found += len(second or {})
        if second_metadata.has_reached_end is not True:
            third, _ = table.query_field(
                index_name="primaryType", key_value="Thriller", field_path="name", pagination_records_limit=3,
                exclusive_start_key=second_metadata.last_evaluated_key,
            )
            found += len(third or {})
    expect(found == 6, f"found {found} thrillers")


NAME_AND_RATING = {"name": FieldGetter(field_path="name"), "imdb_rating": FieldGetter(field_path="ratings.imdb")}


def query_multiple_fields_basic():
    # The sample iterates the returned tuple as if it were pages and raises ValueError after the query;
    # the query call itself is what is measured here.
    table = movies(with_ratings=True)
    records, _ = table.query_multiple_fields(index_name="primaryType", key_value="Thriller", getters=NAME_AND_RATING, pagination_records_limit=3)
    expect(records is not None and len(records) == 3, f"got {records!r}")


def paginated_query_field_basic():
    table = movies(with_ratings=False)
    found = 0
    for records, _ in table.paginated_query_field(index_name="primaryType", key_value="Thriller", field_path="name", pagination_records_limit=3):
        found += len(records or {})
    expect(found == 6, f"found {found} thrillers")


def paginated_query_multiple_fields_basic():
    table = movies(with_ratings=True)
    found = 0
    for records, _ in table.paginated_query_multiple_fields(index_name="primaryType", key_value="Thriller", getters=NAME_AND_RATING, pagination_records_limit=3):
        found += len(records or {})
    expect(found == 6, f"found {found} thrillers")


def update_field_basic():
    table = accounts_with(copy.deepcopy(ROBINSON))
    expect(table.update_field(key_value="x42", field_path="username", value_to_set="Paul") is True, "update failed")
    name = table.get_field(key_value="x42", field_path="username")
    expect(name == "Paul", f"got {name!r}")


def update_field_return_old_basic():
    table = accounts_with(copy.deepcopy(ROBINSON))
    success, old = table.update_field_return_old(key_value="x42", field_path="username", value_to_set="Paul")
    new = table.get_field(key_value="x42", field_path="username")
    expect(success is True and old == "Robinson" and new == "Paul", f"got {success!r}, {old!r}, {new!r}")


def update_multiple_fields_basic():
    table = accounts_with(copy.deepcopy(ROBINSON))
    success = table.update_multiple_fields(key_value="x42", setters=[
        FieldSetter(field_path="username", value_to_set="Paul"),
        FieldSetter(field_path="tokens.{{tokenId}}", query_kwargs={"tokenId": "t42"}, value_to_set={"expirationTimestamp": "1618324660"}),
        FieldSetter(field_path="lastConnectionTimestamp", value_to_set="1606714120"),
    ])
    expect(success is True, f"got {success!r}")
    return "drops the two invalid setters (strings where the model declares ints) and writes the username"


def update_multiple_fields_valid_values():
    table = accounts_with(copy.deepcopy(ROBINSON))
    success = table.update_multiple_fields(key_value="x42", setters=[
        FieldSetter(field_path="username", value_to_set="Paul"),
        FieldSetter(field_path="tokens.{{tokenId}}", query_kwargs={"tokenId": "t42"}, value_to_set={"expirationTimestamp": 1618324660}),
        FieldSetter(field_path="lastConnectionTimestamp", value_to_set=1606714120),
    ])
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(
        success is True
        and stored.get("username") == "Paul"
        and stored.get("tokens") == {"t42": {"expirationTimestamp": 1618324660}}
        and stored.get("lastConnectionTimestamp") == 1606714120,
        f"stored {stored!r}",
    )


def update_multiple_fields_return_old_basic():
    table = accounts_with(copy.deepcopy(ROBINSON_WITH_MAIL))
    success, old = table.update_multiple_fields_return_old(key_value="x42", setters={
        "name": FieldSetter(field_path="username", value_to_set="Paul"),
        "old_mail_status": FieldSetter(field_path="mails.{{mailId}}", query_kwargs={"mailId": "m42"}, value_to_set={"status": "read"}),
    })
    expect(success is True and old == {"name": "Robinson", "old_mail_status": {"status": "not-read"}}, f"got {success!r}, {old!r}")


def delete_field_basic():
    table = accounts_with({"userId": "x42", "shoppingCartItems": {"i42": dict(COFFEE)}})
    deleted = table.delete_field(key_value="x42", field_path="shoppingCartItems.{{itemId}}", query_kwargs={"itemId": "i42"})
    expect(deleted is True, f"got {deleted!r}")


CART_ITEM_AND_TOKENS = {
    "shoppingCartItem": FieldRemover(field_path="shoppingCartItems.{{itemId}}", query_kwargs={"itemId": "i42"}),
    "removedTokens": FieldRemover(field_path="tokens"),
}


def delete_multiple_fields_basic():
    table = accounts_with(copy.deepcopy(CART_AND_TOKENS))
    statuses = table.delete_multiple_fields(key_value="x42", removers=CART_ITEM_AND_TOKENS)
    expect(statuses == {"shoppingCartItem": True, "removedTokens": True}, f"got {statuses!r}")


def remove_field_basic():
    table = accounts_with({"userId": "x42", "shoppingCartItems": {"i42": dict(COFFEE, maxDiscountPercent=33)}})
    removed = table.remove_field(key_value="x42", field_path="shoppingCartItems.{{itemId}}", query_kwargs={"itemId": "i42"})
    expect(removed == dict(COFFEE, maxDiscountPercent=33), f"got {removed!r}")


def remove_field_multi_fields_selector():
    table = accounts_with({
        "userId": "x42",
        "username": "Robinson",
        "mails": {"m42": {"receivedTimestamp": 1627134011, "timestampForAutoAnswer": 1627252059, "isNotRead": True}},
    })
    removed = table.remove_field(key_value="x42", field_path="mails.{{mailId}}.(timestampForAutoAnswer, isNotRead)", query_kwargs={"mailId": "m42"})
    expect(removed == {"timestampForAutoAnswer": 1627252059, "isNotRead": True}, f"got {removed!r}")


def remove_multiple_fields_basic():
    table = accounts_with(copy.deepcopy(CART_AND_TOKENS))
    removed = table.remove_multiple_fields(key_value="x42", removers=CART_ITEM_AND_TOKENS)
    expect(
        removed is not None and removed.get("shoppingCartItem") is not None and removed.get("removedTokens") is not None,
        f"got {removed!r}",
    )


# ---- Caching samples (DynamoDBCachingTable; the commit_* samples import `CachingTable`, which does not
# exist, and are run with DynamoDBCachingTable) ----------------------------------------------------------


def clear_cached_data_basic():
    table = caching_accounts()
    table.debug = True
    table.put_record(record_dict_data=copy.deepcopy(ROBINSON))
    table.commit_operations()
    table.clear_cached_data()
    first = table.get_field(key_value="x42", field_path="username")
    second = table.get_field(key_value="x42", field_path="username")
    table.clear_cached_data()
    third = table.get_field(key_value="x42", field_path="username")
    expect(
        first == {"value": "Robinson", "fromCache": False}
        and second == {"value": "Robinson", "fromCache": True}
        and third == {"value": "Robinson", "fromCache": False},
        f"got {first!r}, {second!r}, {third!r}",
    )


def clear_cached_data_for_record_basic():
    name = unique_table_name("economy-movies")
    setup = make_table(DynamoDBBasicTable, Movie, name, "id", gsi="primaryType")
    for movie_id, movie_name, primary_type, imdb in [
        ("b12", "Breaking Bad", "Thriller", 9.4),
        ("c30", "Game of Thrones", "Fantasy", 9.2),
        ("d52", "Hannibal", "Thriller", 8.5),
    ]:
        setup.put_record({"id": movie_id, "name": movie_name, "primaryType": primary_type, "ratings": {"imdb": imdb, "rottentomatoes": None}})
    table = make_table(DynamoDBCachingTable, Movie, name, "id", gsi="primaryType")
    table.debug = True
    COUNTER.start()
    shows, _ = table.query_field(index_name="primaryType", key_value="Thriller", field_path="(name, ratings)")
    table.clear_cached_data_for_record(record_primary_key="b12")
    breaking_bad = table.get_field(key_value="b12", field_path="ratings.imdb")
    hannibal = table.get_field(key_value="d52", field_path="ratings.imdb")
    expect(
        shows is not None and len(shows) == 2
        and breaking_bad == {"value": 9.4, "fromCache": False}
        and hannibal == {"value": 8.5, "fromCache": True},
        f"got {breaking_bad!r}, {hannibal!r}",
    )


def put_update_clear(clear: Callable[[Any], None]):
    table = caching_accounts()
    table.put_record(record_dict_data=copy.deepcopy(ROBINSON))
    table.update_field(key_value="x42", field_path="username", value_to_set="Paul")
    clear(table)
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(not table.has_pending_operations() and stored.get("username") == "Robinson", f"stored {stored!r}")


def mail_discrepancy(twice: bool):
    table = caching_accounts()
    table.debug = True
    table.put_record(record_dict_data=copy.deepcopy(ROBINSON_WITH_MAIL))
    m42 = {"mailId": "m42"}
    table.remove_field(key_value="x42", field_path="mails.{{mailId}}", query_kwargs=m42)
    table.clear_pending_remove_operations()
    table.delete_field(key_value="x42", field_path="mails.{{mailId}}", query_kwargs=m42)
    table.clear_cached_data()
    table.remove_field(key_value="x42", field_path="mails.{{mailId}}", query_kwargs=m42)
    if twice:
        table.clear_cached_data()
        table.remove_field(key_value="x42", field_path="mails.{{mailId}}", query_kwargs=m42)


def delete_cached_mail_commit():
    table = caching_accounts()
    table.put_record(record_dict_data=copy.deepcopy(ROBINSON_WITH_MAIL))
    table.delete_field(key_value="x42", field_path="mails.{{mailId}}", query_kwargs={"mailId": "m42"})
    success = table.commit_operations()
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(success is True and "m42" not in stored.get("mails", {}), f"stored {stored!r}")


def commit_operations_basic():
    table = caching_accounts()
    table.update_field(key_value="x42", field_path="username", value_to_set="Paul")
    table.delete_field(key_value="x42", field_path="username")
    success = table.commit_operations()
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(success is True and "username" not in stored, f"stored {stored!r}")


def commit_remove_operations_basic():
    table = caching_accounts()
    table.delete_field(key_value="x42", field_path="username")
    expect(table.commit_remove_operations() is True, "commit failed")


def commit_update_operations_basic():
    table = caching_accounts()
    table.update_field(key_value="x42", field_path="username", value_to_set="Paul")
    success = table.commit_update_operations()
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(success is True and stored.get("username") == "Paul", f"stored {stored!r}")


def put_update_commit(updates_only: bool):
    table = caching_accounts()
    table.put_record(record_dict_data=copy.deepcopy(ROBINSON))
    table.update_field(key_value="x42", field_path="username", value_to_set="Paul")
    success = table.commit_update_operations() if updates_only else table.commit_operations()
    COUNTER.stop()
    stored = raw_item(table.table_name, {"userId": "x42"}) or {}
    expect(success is True and stored.get("username") == "Paul" and not table.has_pending_operations(), f"stored {stored!r}")


# ---- Other scenarios ----------------------------------------------------------------------------------


def nested_leaf(depth: int) -> str:
    return ".".join([f"level{level}" for level in range(1, depth + 1)] + ["leaf"])


def missing_parents(depth: int, record_exists: bool):
    name = unique_table_name("economy-nested")
    table = make_table(DynamoDBBasicTable, Nested, name, "id")
    if record_exists:
        expect(table.put_record({"id": "n1"}) is True, "put failed")
    COUNTER.start()
    success = table.update_field(key_value="n1", field_path=nested_leaf(depth), value_to_set=7)
    COUNTER.stop()
    value: Any = raw_item(name, {"id": "n1"}) or {}
    for level in range(1, depth + 1):
        value = (value or {}).get(f"level{level}")
    value = (value or {}).get("leaf")
    expect(success is True and value == 7, f"update returned {success!r}, stored leaf {value!r}")


def wide_table():
    name = unique_table_name("economy-wide")
    table = make_table(DynamoDBBasicTable, Wide, name, "id")
    expect(table.put_record(dict({"id": "w1"}, **{field: 0 for field in WIDE_FIELDS})) is True, "put failed")
    COUNTER.start()
    return table


def update_ten_fields():
    table = wide_table()
    success = table.update_multiple_fields(key_value="w1", setters=[
        FieldSetter(field_path=field, value_to_set=index + 1) for index, field in enumerate(WIDE_FIELDS)
    ])
    COUNTER.stop()
    stored = raw_item(table.table_name, {"id": "w1"}) or {}
    expect(success is True and stored.get("field0") == 1 and stored.get("field9") == 10, f"stored {stored!r}")


def remove_ten_fields():
    table = wide_table()
    removed = table.remove_multiple_fields(key_value="w1", removers={field: FieldRemover(field_path=field) for field in WIDE_FIELDS})
    COUNTER.stop()
    stored = raw_item(table.table_name, {"id": "w1"}) or {}
    expect(
        removed is not None and all(removed.get(field) == 0 for field in WIDE_FIELDS) and not any(field in stored for field in WIDE_FIELDS),
        f"removed {removed!r}, stored {stored!r}",
    )


SESSION_RECORDS = 5
SESSION_STEPS = 10


def player(index: int) -> dict:
    return {
        "playerId": f"p{index}",
        "name": f"player{index}",
        "level": 1,
        "score": 100 * index,
        "settings": {"theme": "light", "volume": 5},
        "inventory": {"sword": {"count": 1}, "shield": {"count": 1}},
    }


def session_step(table, key: str, step: int) -> None:
    """The same ten steps as benches/economy.rs."""
    if step == 0:
        table.get_field(key_value=key, field_path="name")
    elif step == 1:
        table.get_multiple_fields(key_value=key, getters={"level": FieldGetter(field_path="level"), "score": FieldGetter(field_path="score")})
    elif step == 2:
        table.update_field(key_value=key, field_path="level", value_to_set=2)
    elif step == 3:
        table.get_field(key_value=key, field_path="settings.theme")
    elif step == 4:
        table.update_field(key_value=key, field_path="settings.volume", value_to_set=7)
    elif step == 5:
        table.remove_field(key_value=key, field_path="inventory.{{itemId}}", query_kwargs={"itemId": "sword"})
    elif step == 6:
        table.get_field(key_value=key, field_path="level")
    elif step == 7:
        table.update_field(key_value=key, field_path="inventory.{{itemId}}", query_kwargs={"itemId": "potion"}, value_to_set={"count": 3})
    elif step == 8:
        table.delete_field(key_value=key, field_path="settings.theme")
    else:
        table.get_multiple_fields(key_value=key, getters={"name": FieldGetter(field_path="name"), "theme": FieldGetter(field_path="settings.theme")})


def caching_session():
    name = unique_table_name("economy-players")
    setup = make_table(DynamoDBBasicTable, Player, name, "playerId")
    for index in range(SESSION_RECORDS):
        expect(setup.put_record(player(index)) is True, "put failed")
    table = make_table(DynamoDBCachingTable, Player, name, "playerId")
    COUNTER.start()
    for step in range(SESSION_STEPS):
        for index in range(SESSION_RECORDS):
            session_step(table, f"p{index}", step)
    table.commit_operations()
    COUNTER.stop()
    for index in range(SESSION_RECORDS):
        stored = raw_item(name, {"playerId": f"p{index}"})
        expected = dict(player(index), level=2, settings={"volume": 7}, inventory={"shield": {"count": 1}, "potion": {"count": 3}})
        expect(stored == expected, f"p{index} stored {stored!r}")


def uncached_remove_between_updates():
    name = unique_table_name("economy-accounts")
    setup = make_table(DynamoDBBasicTable, Account, name, "userId")
    expect(setup.put_record(dict(copy.deepcopy(ROBINSON), lastConnectionTimestamp=1607220132)) is True, "put failed")
    table = make_table(DynamoDBCachingTable, Account, name, "userId")
    COUNTER.start()
    table.update_field(key_value="x42", field_path="username", value_to_set="Paul")
    removed = table.remove_field(key_value="x42", field_path="lastConnectionTimestamp")
    table.update_field(key_value="x42", field_path="tokens", value_to_set={"t1": {"expirationTimestamp": 1618322249}})
    table.commit_operations()
    COUNTER.stop()
    stored = raw_item(name, {"userId": "x42"})
    expect(
        removed == 1607220132 and stored == {"userId": "x42", "username": "Paul", "tokens": {"t1": {"expirationTimestamp": 1618322249}}},
        f"removed {removed!r}, stored {stored!r}",
    )


def economy_scenarios() -> List[tuple]:
    """(id, function) in the order of benches/economy.rs; the ids are how the two are matched."""
    scenarios = [
        ("sample/get_field/single_selection", get_field_single_selection),
        ("sample/get_field/multi_selectors", get_field_multi_selectors),
        ("sample/get_multiple_fields/basic", get_multiple_fields_basic),
        ("sample/query_field/basic", query_field_basic),
        ("sample/query_field/pagination", query_field_pagination),
        ("sample/query_multiple_fields/basic", query_multiple_fields_basic),
        ("sample/paginated_query_field/basic", paginated_query_field_basic),
        ("sample/paginated_query_multiple_fields/basic", paginated_query_multiple_fields_basic),
        ("sample/update_field/basic", update_field_basic),
        ("sample/update_field_return_old/basic", update_field_return_old_basic),
        ("sample/update_multiple_fields/basic", update_multiple_fields_basic),
        ("variant/update_multiple_fields/basic_valid_values", update_multiple_fields_valid_values),
        ("sample/update_multiple_fields_return_old/basic", update_multiple_fields_return_old_basic),
        ("sample/delete_field/basic", delete_field_basic),
        ("sample/delete_multiple_fields/basic", delete_multiple_fields_basic),
        ("sample/remove_field/basic", remove_field_basic),
        ("sample/remove_field/multi-fields-selector", remove_field_multi_fields_selector),
        ("sample/remove_multiple_fields/basic", remove_multiple_fields_basic),
        ("sample/caching_table/clear_cached_data/basic", clear_cached_data_basic),
        ("sample/caching_table/clear_cached_data_for_record/basic", clear_cached_data_for_record_basic),
        ("sample/caching_table/clear_pending_operations/basic", lambda: put_update_clear(lambda table: table.clear_pending_operations())),
        ("sample/caching_table/clear_pending_operations/discrepancy", lambda: mail_discrepancy(twice=True)),
        ("sample/caching_table/clear_pending_remove_operations/basic", delete_cached_mail_commit),
        ("sample/caching_table/clear_pending_remove_operations/discrepancy", lambda: mail_discrepancy(twice=True)),
        ("sample/caching_table/clear_pending_update_operations/basic", lambda: put_update_clear(lambda table: table.clear_pending_update_operations())),
        ("sample/caching_table/clear_pending_update_operations/discrepancy", lambda: mail_discrepancy(twice=False)),
        ("sample/caching_table/commit_operations/basic", commit_operations_basic),
        ("sample/caching_table/commit_remove_operations/basic", commit_remove_operations_basic),
        ("sample/caching_table/commit_update_operations/basic", commit_update_operations_basic),
        ("sample/caching_table/has_pending_operations/basic", lambda: put_update_commit(updates_only=False)),
        ("sample/caching_table/has_pending_remove_operations/basic", delete_cached_mail_commit),
        ("sample/caching_table/has_pending_update_operations/basic", lambda: put_update_commit(updates_only=True)),
    ]
    for depth in range(1, 6):
        for record_exists in (True, False):
            state = "record_existing" if record_exists else "record_absent"
            scenarios.append((f"missing_parents/depth_{depth}/{state}", lambda d=depth, e=record_exists: missing_parents(d, e)))
    scenarios += [
        ("update_multiple_fields/10_fields", update_ten_fields),
        ("remove_multiple_fields/10_fields", remove_ten_fields),
        ("caching_session/50_ops_5_records", caching_session),
        ("caching/uncached_remove_between_updates", uncached_remove_between_updates),
    ]
    return scenarios


def run_economy() -> Dict[str, dict]:
    results = {}
    COUNTER.ask_capacity = True
    for scenario_id, function in economy_scenarios():
        printed = io.StringIO()
        entry: Dict[str, Any] = {}
        COUNTER.count, COUNTER.active, COUNTER.capacity = 0, False, COUNTER.no_capacity()
        try:
            # StructNoSQL reports problems with print(); keep them with the scenario rather than on screen.
            with contextlib.redirect_stdout(printed):
                note = function()
            if note:
                entry["note"] = note
        except Deviation as deviation:
            entry["deviation"] = str(deviation)
        except Exception as error:  # noqa: BLE001 - every failure of the library is recorded
            entry["error"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = traceback.format_exc(limit=4)
        # Requests counted until the scenario stopped counting (checks read without counting).
        entry["requests"] = COUNTER.count
        entry["capacity"] = COUNTER.capacity
        COUNTER.active = False
        lines = [line for line in printed.getvalue().splitlines() if line.strip()]
        if lines:
            entry["printed"] = lines[:6]
            entry["printed_lines"] = len(lines)
        # StructNoSQL prints the DynamoDB errors it swallows: requests DynamoDB refused.
        refused = [line for line in lines if line.startswith("An error occurred (")]
        if refused:
            entry["refused_by_dynamodb"] = len(refused)
            entry["refused_sample"] = refused[0][:400]
        results[scenario_id] = entry
        status = entry.get("error") or entry.get("deviation") or ""
        capacity = entry["capacity"]
        units = f"{capacity['read']:g}/{capacity['write']:g}" + (f" +{capacity['refused']} refused" if capacity["refused"] else "")
        print(f"{scenario_id:<66} {entry['requests']:>4} {units:>16}  {status}"[:200])
    COUNTER.ask_capacity = False
    return results


# ---- The timed workload -------------------------------------------------------------------------------


def profile(index: int) -> dict:
    return {
        "userId": f"u{index}",
        "username": f"user{index}",
        "level": 1,
        "tokens": {"t1": {"expirationTimestamp": 1618322249 + index}},
        "settings": {"theme": "light", "volume": 5, "language": "en"},
    }


T1 = {"tokenId": "t1"}
PROFILE_GETTERS = {
    "username": FieldGetter(field_path="username"),
    "level": FieldGetter(field_path="level"),
    "theme": FieldGetter(field_path="settings.theme"),
}


def profile_setters(index: int) -> List[FieldSetter]:
    return [
        FieldSetter(field_path="username", value_to_set=f"renamed{index}"),
        FieldSetter(field_path="level", value_to_set=2),
        FieldSetter(field_path="settings.volume", value_to_set=7),
    ]


# Each step: (name, call for record `index`). The same steps, in the same order, as benches/original.rs.
STEPS: List[tuple] = [
    ("put_record", lambda table, index: table.put_record(profile(index))),
    ("get_field_nested", lambda table, index: table.get_field(key_value=f"u{index}", field_path="tokens.{{tokenId}}.expirationTimestamp", query_kwargs=T1)),
    ("get_multiple_fields_3", lambda table, index: table.get_multiple_fields(key_value=f"u{index}", getters=PROFILE_GETTERS)),
    ("update_field_nested", lambda table, index: table.update_field(key_value=f"u{index}", field_path="tokens.{{tokenId}}.expirationTimestamp", query_kwargs=T1, value_to_set=1700000000 + index)),
    ("update_multiple_fields_3", lambda table, index: table.update_multiple_fields(key_value=f"u{index}", setters=profile_setters(index))),
    ("remove_field", lambda table, index: table.remove_field(key_value=f"u{index}", field_path="settings.language")),
]


def expected_profile(index: int) -> dict:
    return {
        "userId": f"u{index}",
        "username": f"renamed{index}",
        "level": 2,
        "tokens": {"t1": {"expirationTimestamp": 1700000000 + index}},
        "settings": {"theme": "light", "volume": 7},
    }


def run_pass(records: int, sink: io.StringIO) -> Dict[str, dict]:
    """One pass of the workload on fresh tables: every step over every record, basic then caching."""
    measured: Dict[str, dict] = {}
    for kind_name, kind in (("basic", DynamoDBBasicTable), ("caching", DynamoDBCachingTable)):
        name = unique_table_name(f"original-{kind_name}")
        table = make_table(kind, Profile, name, "userId")
        steps = list(STEPS)
        if kind_name == "caching":
            steps.append(("commit_operations", None))
        for step_name, call in steps:
            COUNTER.start()
            with contextlib.redirect_stdout(sink):
                wall_start, cpu_start = time.perf_counter(), time.process_time()
                if call is None:
                    table.commit_operations()
                else:
                    for index in range(records):
                        call(table, index)
                cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
            measured[f"{kind_name}/{step_name}"] = {"wall_s": wall, "cpu_s": cpu, "requests": COUNTER.stop()}
        for index in (0, records - 1):
            stored = raw_item(name, {"userId": f"u{index}"})
            expect(stored == expected_profile(index), f"{kind_name}: u{index} stored {stored!r}")
    return measured


def run_workload(records: int, repetitions: int) -> dict:
    sink = io.StringIO()
    run_pass(min(records, 20), sink)  # warm-up: imports, connections, first-table costs
    passes = [run_pass(records, sink) for _ in range(repetitions)]
    steps = []
    for step in passes[0]:
        runs = [measured[step] for measured in passes]
        steps.append({
            "step": step,
            "ops": records,
            "ops_per_second": statistics.median(records / run["wall_s"] for run in runs),
            "cpu_us_per_op": statistics.median(run["cpu_s"] / records * 1e6 for run in runs),
            "requests_per_op": runs[0]["requests"] / records,
            "runs": runs,
        })
    lines = [line for line in sink.getvalue().splitlines() if line.strip()]
    return {"steps": steps, "printed_lines": len(lines), "printed_sample": lines[:5]}


def environment() -> dict:
    from importlib.metadata import version

    return {
        "library": "StructNoSQL",
        "version": version("StructNoSQL"),
        "pydantic": version("pydantic"),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "python": platform.python_version(),
        "endpoint": ENDPOINT,
    }


def write(name: str, data: dict) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500, help="records per workload step (default 500)")
    parser.add_argument("--repetitions", type=int, default=5, help="workload passes; the median is kept (default 5)")
    parser.add_argument("--skip-economy", action="store_true")
    parser.add_argument("--skip-workload", action="store_true")
    arguments = parser.parse_args()

    if not arguments.skip_economy:
        print("StructNoSQL request counts:")
        write("original-python-economy", {"environment": environment(), "scenarios": run_economy()})
    if not arguments.skip_workload:
        print(f"StructNoSQL workload: {arguments.records} records, {arguments.repetitions} passes")
        workload = run_workload(arguments.records, arguments.repetitions)
        for step in workload["steps"]:
            print(f"  {step['step']:<36} {step['ops_per_second']:>9.0f} ops/s {step['cpu_us_per_op']:>9.1f} µs CPU/op {step['requests_per_op']:>5.2f} requests/op")
        write("original-python", dict(environment(), records=arguments.records, repetitions=arguments.repetitions, **workload))


if __name__ == "__main__":
    main()
