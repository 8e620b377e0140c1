"""Survey link tokens: unguessable, url-safe, stored only as a hash."""

from __future__ import annotations

import hashlib
import string

import pytest

from cxloop.domain.kernel.tokens import looks_like_token, new_short_token, new_token, token_hash

URL_SAFE = set(string.ascii_letters + string.digits + "-_")


def test_tokens_are_43_url_safe_characters() -> None:
    token = new_token()
    assert len(token) == 43  # 32 random bytes, base64url without padding
    assert set(token) <= URL_SAFE


def test_tokens_do_not_repeat_and_look_random() -> None:
    tokens = [new_token() for _ in range(500)]
    assert len(set(tokens)) == len(tokens)
    # 256 bits each: every token uses many distinct symbols and no two share a prefix.
    assert all(len(set(t)) >= 20 for t in tokens)
    assert len({t[:8] for t in tokens}) == len(tokens)
    # Across many tokens the whole 64-symbol alphabet shows up.
    assert set("".join(tokens)) == URL_SAFE


def test_the_hash_is_sha256_hex_and_never_the_token() -> None:
    token = new_token()
    digest = token_hash(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert len(digest) == 64 and token not in digest
    assert token_hash(token) == digest  # stable: the link finds its invitation
    assert token_hash(new_token()) != digest


def test_short_tokens_are_22_url_safe_characters_and_do_not_repeat() -> None:
    tokens = [new_short_token() for _ in range(500)]
    assert all(len(t) == 22 and set(t) <= URL_SAFE for t in tokens)  # 16 random bytes
    assert len({t[:8] for t in tokens}) == len(tokens)
    assert token_hash(tokens[0]) == hashlib.sha256(tokens[0].encode()).hexdigest()


def test_fresh_tokens_of_both_lengths_look_like_tokens() -> None:
    assert all(looks_like_token(new_token()) for _ in range(50))
    assert all(looks_like_token(new_short_token()) for _ in range(50))


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "A" * 42,
        "A" * 44,
        "A" * 42 + "=",
        "A" * 42 + "/",
        "../../etc/passwd",
        "A" * 42 + "\n",
        "Ñ" * 43,
        "A" * 21,
        "A" * 23,
        "A" * 30,
        "A" * 21 + "=",
        "A" * 21 + "\n",
        "Ñ" * 22,
    ],
    ids=[
        "empty",
        "short",
        "long",
        "padding",
        "slash",
        "path",
        "newline",
        "non-ascii",
        "short-form-minus-one",
        "short-form-plus-one",
        "between-the-lengths",
        "short-form-padding",
        "short-form-newline",
        "short-form-non-ascii",
    ],
)
def test_junk_does_not_look_like_a_token(candidate: str) -> None:
    assert not looks_like_token(candidate)
