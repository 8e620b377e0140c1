"""Managing webhook subscriptions: executives only, every URL checked, the secret shown once.

Whether a subscription receives personal data (names, addresses, phones, comments) is a choice
made by a named executive when subscribing; it is kept with the subscription (created_by,
created_at) and logged by the handler, so it can be audited.
"""

from __future__ import annotations

import secrets as random_ids
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cxloop.domain.integrations.destinations import Resolver, check_destination
from cxloop.domain.integrations.models import EVENT_TYPES, Delivery, SigningSecrets, Subscription
from cxloop.domain.integrations.ports import DeliveryStore, SecretStore, SubscriptionStore
from cxloop.domain.integrations.signing import new_secret
from cxloop.domain.kernel.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from cxloop.domain.organisation.access import Caller

# After a rotation the old secret signs too for this long, so receivers can switch without a gap.
ROTATION_OVERLAP = timedelta(hours=24)
DELIVERIES_LISTED = 100


@dataclass(frozen=True)
class Webhooks:
    subscriptions: SubscriptionStore
    secrets: SecretStore
    resolve: Resolver
    clock: Callable[[], datetime]
    local: bool = False


def require_executive(caller: Caller) -> None:
    if caller.role != "executive":
        raise Forbidden("only executives manage webhook subscriptions")


def subscribe(
    caller: Caller,
    *,
    url: str,
    events: Sequence[str],
    description: str | None,
    include_personal_data: bool,
    deps: Webhooks,
) -> dict[str, Any]:
    require_executive(caller)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        problem = f"unknown: {', '.join(unknown)}" if unknown else "at least one event type"
        raise InvalidInput(
            "the event types are not valid",
            [FieldProblem("events", f"{problem}; one of {', '.join(EVENT_TYPES)}")],
        )
    destination = check_destination(url, resolve=deps.resolve, local=deps.local)
    subscription = Subscription(
        webhook_id="wh_" + random_ids.token_hex(12),
        url=destination.url,
        events=tuple(dict.fromkeys(events)),
        description=description,
        include_personal_data=include_personal_data,
        created_at=deps.clock(),
        created_by=caller.user,
    )
    secret = new_secret()
    deps.secrets.save(subscription.webhook_id, SigningSecrets(current=secret))
    deps.subscriptions.add(subscription)
    return {**subscription.public(), "secret": secret}


def find(caller: Caller, webhook_id: str, deps: Webhooks) -> Subscription:
    require_executive(caller)
    found = deps.subscriptions.get(webhook_id)
    if found is None:
        raise NotFound(f"no webhook subscription {webhook_id}")
    return found


def unsubscribe(caller: Caller, webhook_id: str, deps: Webhooks) -> None:
    find(caller, webhook_id, deps)
    deps.subscriptions.delete(webhook_id)
    deps.secrets.delete(webhook_id)


def rotate(caller: Caller, webhook_id: str, deps: Webhooks) -> dict[str, Any]:
    """A new secret; the old one keeps signing beside it for ROTATION_OVERLAP."""
    subscription = find(caller, webhook_id, deps)
    now = deps.clock()
    old = deps.secrets.get(webhook_id)
    secret = new_secret()
    deps.secrets.save(
        webhook_id,
        SigningSecrets(
            current=secret,
            previous=old.current if old else None,
            previous_until=now + ROTATION_OVERLAP if old else None,
        ),
    )
    return {
        **subscription.public(),
        "secret": secret,
        "previous_secret_expires_at": (now + ROTATION_OVERLAP).isoformat(),
    }


def deliveries_of(caller: Caller, webhook_id: str, deps: Webhooks, store: DeliveryStore) -> list[Delivery]:
    find(caller, webhook_id, deps)
    return store.of_subscription(webhook_id, limit=DELIVERIES_LISTED)


def delivery_of(
    caller: Caller, webhook_id: str, delivery_id: str, deps: Webhooks, store: DeliveryStore
) -> Delivery:
    find(caller, webhook_id, deps)
    found = store.get(webhook_id, delivery_id)
    if found is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
    return found
