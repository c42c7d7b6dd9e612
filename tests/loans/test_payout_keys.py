"""The gateway's keys of payout orders are built and taken apart in one place."""

import pytest

from loans.payout_keys import build_key, split_key


def test_a_key_is_its_prefix_and_ids_joined_by_dashes():
    assert build_key("payout", 12, 3) == "payout-12-3"


def test_a_key_gives_back_the_ids_it_was_built_from():
    assert split_key("payout-12-3", prefix="payout", digits=(18, 5)) == (12, 3)


@pytest.mark.parametrize(
    "key",
    [
        None,
        17,
        "card-transfer-12",
        "payout-12",
        "payout-12-3-4",
        "payout-12-x",
        "payout-12-٣",
        "payout-12-123456",
        "payout--3",
    ],
)
def test_anything_but_a_key_of_the_prefix_and_its_ids_names_no_order(key):
    assert split_key(key, prefix="payout", digits=(18, 5)) is None
