"""The suppression list's keys: an HMAC of channel and normalised address, so the table
never holds an address and one address has exactly one key per channel."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from cxloop.adapters.suppressions import address_key, normalised, suppression_key
from cxloop.config import settings_from

KEY = b"unit-test-key"


def test_the_key_is_the_hex_hmac_sha256_of_channel_and_address() -> None:
    expected = hmac.new(KEY, b"email:ana@example.com", hashlib.sha256).hexdigest()
    assert address_key(KEY, "email", "ana@example.com") == expected
    assert len(expected) == 64


@pytest.mark.parametrize("spelling", ["Ana@Example.COM", " ana@example.com ", "ANA@EXAMPLE.COM"])
def test_email_spellings_share_one_key(spelling: str) -> None:
    assert normalised("email", spelling) == "ana@example.com"
    assert address_key(KEY, "email", spelling) == address_key(KEY, "email", "ana@example.com")


def test_a_phone_number_is_kept_as_given_in_e164_apart_from_surrounding_space() -> None:
    assert normalised("sms", " +593991234567 ") == "+593991234567"
    assert address_key(KEY, "sms", " +593991234567") == address_key(KEY, "sms", "+593991234567")
    # Not E.164 is not silently turned into it: a different spelling is a different key.
    assert address_key(KEY, "sms", "0991234567") != address_key(KEY, "sms", "+593991234567")


def test_the_channel_is_part_of_the_key() -> None:
    assert address_key(KEY, "sms", "+593991234567") != address_key(KEY, "email", "+593991234567")


def test_without_the_key_an_address_cannot_be_found_by_hashing_it() -> None:
    assert address_key(KEY, "email", "ana@example.com") != address_key(b"other", "email", "ana@example.com")
    assert (
        address_key(KEY, "email", "ana@example.com") != hashlib.sha256(b"email:ana@example.com").hexdigest()
    )


def test_locally_the_key_comes_from_the_environment_and_its_absence_is_an_error() -> None:
    assert suppression_key(settings_from({"CXLOOP_SUPPRESSION_KEY": "local-key"})) == b"local-key"
    with pytest.raises(RuntimeError, match="SUPPRESSION_KEY_SECRET_ARN"):
        suppression_key(settings_from({}))


def test_settings_read_the_configuration_set_and_the_key_s_secret() -> None:
    config = settings_from(
        {"SES_CONFIGURATION_SET": "cxloop-surveys", "SUPPRESSION_KEY_SECRET_ARN": "arn:aws:secretsmanager:x"}
    )
    assert config.ses_configuration_set == "cxloop-surveys"
    assert config.suppression_key_arn == "arn:aws:secretsmanager:x"
    assert settings_from({}).ses_configuration_set is None
